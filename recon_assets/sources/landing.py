"""Reads canonical landing files: `<landing>/<source>/<YYYY-MM-DD>.csv` (or `.parquet`).

A file is read set-based by an in-memory DuckDB (`read_csv` with every field as text,
`read_parquet` as typed), its integers are typed in SQL with an error for every value that is
not an int64, then the pandera model checks the typed frame column by column. Every problem
names the file, the line (CSV; the header is line 1) or row (Parquet) and the column. Nothing
is returned unless the whole file is valid, so nothing bad is ever written downstream.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.parquet as pq

from recon_assets.failures import MAX_PROBLEMS, LandingError, LandingFolderError
from recon_assets.money import iso_currencies
from recon_assets.sources.catalog import SOURCES_BY_NAME, SourceSpec
from recon_assets.sources.currencies import CURRENCIES_FILE
from recon_assets.sources.schemas import HIDDEN_CHARACTERS, TEXT

# Pandera check names, said the way a person fixing the file needs to hear them.
_CHECK_MESSAGES = {
    "field_uniqueness": "is a duplicate key: another row has the same value",
    "iso_currency": "is not an active ISO-4217 currency code",
    "allowed_currency": f"is not a currency allowed by rules/{CURRENCIES_FILE}",
    "plain_text": "holds a control, bidi or zero-width character",
    "timestamp_with_offset": (
        "is not a real ISO-8601 date and time with an offset (e.g. 2026-10-03T10:00:00+01:00)"
    ),
    "iso_date": "is not a YYYY-MM-DD date",
    "greater_than_or_equal_to(0)": "must not be negative",
    "not_nullable": "must not be empty",
}
_NOT_INTEGER = "is not an integer number of minor units"
_TOO_LARGE = "is beyond the 64-bit integer range"
_NOT_UTF8 = "is not UTF-8 text: save the file as UTF-8"
# DuckDB's reject error types, said the same way.
_REJECTS = {
    "TOO MANY COLUMNS": "has more fields than the header",
    "MISSING COLUMNS": "has fewer fields than the header",
    "INVALID ENCODING": _NOT_UTF8,
}
_INTEGER_TYPES = frozenset(
    [
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    ]
)
_HEADER_BYTES = 1 << 20


def describe_check(check: str) -> str:
    if check in _CHECK_MESSAGES:
        return _CHECK_MESSAGES[check]
    if check.startswith("isin("):
        return f"is not one of {check[5:-1]}"
    if check.startswith("str_length("):
        return "must not be empty"
    # Whole-row checks carry their own sentence as the check name.
    return check if " " in check else f"fails check {check}"


@dataclass(frozen=True)
class Problem:
    file: str
    row: str  # "line 7" for CSV, "row 6" for Parquet, "header", or "" for the whole file
    column: str  # "" when the problem is not about one column
    value: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            [
                self.file,
                *([self.row] if self.row else []),
                *([f"column {self.column}"] * bool(self.column)),
            ]
        )
        # Hidden characters are shown escaped, so the message cannot be spoofed by them.
        value = re.sub(HIDDEN_CHARACTERS, lambda m: f"\\u{ord(m.group()):04x}", repr(self.value))
        shown = f" {value}" if self.value != "" else ""
        return f"{where}:{shown} {self.message}"


@dataclass(frozen=True)
class LandedFile:
    source: str
    business_date: str
    path: Path | None  # None: the source did not deliver a file for this date
    frame: pd.DataFrame = field(repr=False)

    @property
    def delivered(self) -> bool:
        return self.path is not None


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def landing_path(landing_dir: Path, source: str, business_date: str) -> Path | None:
    """The night's file of a source; a CSV and a Parquet file for one night are refused."""
    found = [
        p
        for p in (landing_dir / source / f"{business_date}{s}" for s in (".csv", ".parquet"))
        if p.exists()
    ]
    if len(found) > 1:
        message = f"is delivered twice, also as {_name(found[1])}: remove one of the two files"
        raise LandingError(found[0], [Problem(_name(found[0]), "", "", "", message)])
    return found[0] if found else None


def write_landing_file(
    landing_dir: Path, source: str, business_date: str, rows: Iterable[Mapping[str, object]]
) -> Path:
    """One canonical landing file, byte-reproducible: the source's columns in order, rows
    sorted by key, `\n` line ends; replaced atomically so a reader never sees half a file."""
    spec = SOURCES_BY_NAME[source]
    target = landing_dir / source / f"{business_date}.csv"
    ordered = sorted(rows, key=lambda row: str(row[spec.key]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.columns)
    writer.writerows([["" if r.get(c) is None else r[c] for c in spec.columns] for r in ordered])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=target.parent, suffix=".tmp", delete=False
    ) as tmp:
        tmp.write(buffer.getvalue())
    os.replace(tmp.name, target)
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _CsvLines:
    """Where each record of a CSV file starts, in physical lines (the header is line 1).

    Found from the bytes with numpy, and only when a problem has to be named: a newline ends a
    record when an even number of quotes precede it (RFC 4180 doubles a quote inside a quoted
    field), so a quoted field holding newlines does not shift the lines after it.
    """

    def __init__(self, path: Path):
        data = np.fromfile(path, dtype=np.uint8)
        self.newlines = np.flatnonzero(data == ord("\n"))
        quotes = np.flatnonzero(data == ord('"'))
        ends = self.newlines[np.searchsorted(quotes, self.newlines) % 2 == 0]
        starts = np.concatenate(([0], ends + 1))
        starts = starts[starts < len(data)]
        first, second = data[starts], data[np.minimum(starts + 1, len(data) - 1)]
        # Blank lines hold no record: the reader skips them.
        blank = (first == ord("\n")) | ((first == ord("\r")) & (second == ord("\n")))
        self.starts = starts[~blank]

    def line_at(self, offset: int) -> int:
        """The line of the first record that starts at or after byte `offset`."""
        index = min(int(np.searchsorted(self.starts, offset)), len(self.starts) - 1)
        return int(np.searchsorted(self.newlines, self.starts[index])) + 1

    def label(self, rows: int) -> Callable[[int], str]:
        """Names data row i (0-based) by its line; by its record number if the count of
        records found here disagrees with the reader's (stray quotes), never by a wrong line."""
        if len(self.starts) != rows + 1:
            return lambda i: f"record {i + 1}"
        return lambda i: f"line {self.line_at(int(self.starts[i + 1]))}"


def _csv_header(path: Path, name: str) -> list[str]:
    """The header's column names, decoded on their own so that a bad byte there names line 1."""
    with path.open("rb") as handle:
        head = handle.read(_HEADER_BYTES)
    if not head.strip():
        raise LandingError(path, [Problem(name, "line 1", "", "", "is empty: no header row")])
    end = next(
        (m.end() for m in re.finditer(b"\n", head) if head.count(b'"', 0, m.start()) % 2 == 0),
        len(head),
    )
    try:
        text = head[:end].decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = head.count(b"\n", 0, err.start) + 1
        raise LandingError(path, [Problem(name, f"line {line}", "", "", _NOT_UTF8)]) from err
    return [c.strip() for c in next(csv.reader(io.StringIO(text, newline="")))]


def _csv_source(path: Path, width: int) -> str:
    """DuckDB's reader of the file: every field as text, a malformed row rejected."""
    columns = ", ".join(f"c{i}: 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({_literal(str(path))}, header = true, columns = {{{columns}}}, "
        "auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
        "null_padding = false, store_rejects = true)"
    )


def _rejected_rows(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> None:
    """Refuses the file if the reader rejected a row (field count, encoding)."""
    [(total,)] = con.execute("SELECT count(*) FROM reject_errors").fetchall()
    if not total:
        return
    rejects = con.execute(
        "SELECT line_byte_position, error_type, error_message FROM reject_errors "
        f"ORDER BY line_byte_position LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    lines = _CsvLines(path)
    # DuckDB's own line count goes wrong after a quoted newline; its byte offset (from 1) does not.
    problems = [
        Problem(name, f"line {lines.line_at(offset - 1)}", "", "", _REJECTS.get(kind, message))
        for offset, kind, message in rejects
    ]
    raise LandingError(path, problems, total)


def _header_problems(header: list[str], spec: SourceSpec, name: str) -> list[Problem]:
    twice = [c for c in spec.columns if header.count(c) > 1]
    missing = [c for c in spec.columns if c not in header]
    found = ", ".join(header) or "none"
    return [
        Problem(name, "header", c, "", "appears more than once: keep one of them") for c in twice
    ] + [Problem(name, "header", c, "", f"is missing (columns found: {found})") for c in missing]


def _text_sql(ref: str, type_: str) -> str:
    """A column as text; an instant as UTC with its offset, as pandas prints it."""
    if type_.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):
        utc = f"timezone('UTC', CAST({ref} AS TIMESTAMPTZ))"
        micros = f"strftime({utc}, '%f')"
        return (
            f"strftime({utc}, '%Y-%m-%d %H:%M:%S') || "
            f"CASE WHEN {micros} = '000000' THEN '' ELSE '.' || {micros} END || '+00:00'"
        )
    return ref if type_ == "VARCHAR" else f"CAST({ref} AS VARCHAR)"


def _integer_sql(ref: str, type_: str) -> tuple[str, str]:
    """(the value as BIGINT, a condition true when it is not a whole number at all)."""
    if type_ in _INTEGER_TYPES:
        return f"TRY_CAST({ref} AS BIGINT)", f"{ref} IS NULL"
    # ASCII digits with an optional sign only: DuckDB's cast would also take `1_000`.
    text = f"trim({_text_sql(ref, type_)})"
    whole = f"coalesce(regexp_full_match({text}, '[+-]?[0-9]+'), false)"
    return f"CASE WHEN {whole} THEN TRY_CAST({text} AS BIGINT) END", f"NOT {whole}"


def _typed(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, refs: Mapping[str, str], source: str
) -> tuple[pyarrow.Table, dict[str, tuple[str, str, str]]]:
    """The canonical columns typed in SQL in one scan, in file order; an integer column holds
    NULL where the value is no int64. Also, per integer column: (column, value, not whole)."""
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    types = {row[0]: row[1] for row in described}
    selected, integers = [], {}
    for column in spec.columns:
        ref = _quoted(refs[column])
        if column in spec.int_columns:
            value, not_whole = _integer_sql(ref, types[refs[column]])
            integers[column] = (ref, value, not_whole)
        elif column in spec.optional_columns:
            text = _text_sql(ref, types[refs[column]])
            value = f"CASE WHEN NOT regexp_full_match(coalesce({text}, ''), '\\s*') THEN {text} END"
        else:
            value = f"coalesce({_text_sql(ref, types[refs[column]])}, '')"
        selected.append(f"{value} AS {_quoted(column)}")
    return pyarrow.table(con.sql(f"SELECT {', '.join(selected)} FROM {source}")), integers


def _integer_problems(
    con: duckdb.DuckDBPyConnection, source: str, integers: Mapping[str, tuple[str, str, str]]
) -> tuple[list[tuple[int, str, str, str]], int]:
    """(row, column, value, message) of the first 50 values that are no int64, and the count.

    Only run when there are some: the file is read again into a table, whose rowid is the
    row's position in the file.
    """
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {source}")
    found = " UNION ALL ".join(
        f"SELECT rowid AS row, {position} AS position, {_literal(column)} AS col, "
        f"coalesce(CAST({ref} AS VARCHAR), '') AS value, "
        f"CASE WHEN {not_whole} THEN '{_NOT_INTEGER}' ELSE '{_TOO_LARGE}' END AS message "
        f"FROM raw WHERE ({value}) IS NULL"
        for position, (column, (ref, value, not_whole)) in enumerate(integers.items())
    )
    rows = con.execute(
        f"SELECT row, col, value, message, count(*) OVER () FROM ({found}) "
        f"ORDER BY row, position LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    return [row[:4] for row in rows], rows[0][4]


def _total_problems(
    con: duckdb.DuckDBPyConnection, typed: pyarrow.Table, spec: SourceSpec, name: str
) -> list[Problem]:
    """A money column whose total in one currency does not fit in an int64 (summed exactly)."""
    if not spec.money_columns or not typed.num_rows:
        return []
    con.register("typed", typed)
    sums = " UNION ALL ".join(
        f"SELECT {_literal(c)} AS col, {i} AS position, currency, sum({_quoted(c)}) AS total "
        "FROM typed GROUP BY currency"
        for i, c in enumerate(spec.money_columns)
    )
    overflowing = con.execute(
        f"SELECT col, currency FROM ({sums}) WHERE total NOT BETWEEN {-(2**63)} AND {2**63 - 1} "
        "ORDER BY position, currency"
    ).fetchall()
    return [
        Problem(name, "", c, "", f"adds up beyond the 64-bit integer range in {currency}")
        for c, currency in overflowing
    ]


def parse_landing_file(
    path: Path, spec: SourceSpec, currencies: frozenset[str] | None = None
) -> pd.DataFrame:
    """Read and validate one landing file into the canonical typed frame, or raise.

    `currencies` restricts the currency codes further than every active ISO-4217 code.
    """
    name = _name(path)
    parquet = path.suffix == ".parquet"
    with duckdb.connect() as con:
        if parquet:
            try:
                header = pq.read_schema(path).names
            except (pyarrow.ArrowException, OSError) as err:
                problem = Problem(name, "", "", "", f"is not a Parquet file ({err})")
                raise LandingError(path, [problem]) from err
            refs = dict(zip(header, header, strict=True))
        else:
            header = _csv_header(path, name)
            refs = {c: f"c{i}" for i, c in enumerate(header)}
        problems = _header_problems(header, spec, name)
        if problems:
            raise LandingError(path, problems)
        source = (
            f"read_parquet({_literal(str(path))})" if parquet else _csv_source(path, len(header))
        )
        try:
            typed, integers = _typed(con, spec, refs, source)
        except duckdb.Error as err:
            message = str(err).splitlines()[0]
            problem = Problem(name, "", "", "", f"cannot be read: {message}")
            raise LandingError(path, [problem]) from err
        if not parquet:
            _rejected_rows(con, path, name)
        label = (lambda i: f"row {i + 1}") if parquet else None

        def row_label(index: object) -> str:
            nonlocal label
            if not isinstance(index, int | float) or pd.isna(index):
                return "whole file"
            if label is None:
                label = _CsvLines(path).label(typed.num_rows)
            return label(int(index))

        if any(typed[c].null_count for c in integers):
            bad, total = _integer_problems(con, source, integers)
            problems = [Problem(name, row_label(r), c, v, m) for r, c, v, m in bad]
            raise LandingError(path, problems, total)
        text_types = {pyarrow.string(): TEXT, pyarrow.large_string(): TEXT}
        frame = typed.to_pandas(types_mapper=text_types.get)
        schema = spec.schema
        if currencies is not None and currencies != iso_currencies():
            allowed = pa.Check(lambda s: s.isin(currencies), name="allowed_currency")
            currency = schema.columns["currency"]
            schema = schema.update_column("currency", checks=[*currency.checks, allowed])
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            problems, total = schema_problems(err.failure_cases, spec, name, row_label)
            # Not chained: pandera's message lists every failure case, megabytes in a big file.
            raise LandingError(path, problems, total) from None
        problems = _total_problems(con, typed, spec, name)
        if problems:
            raise LandingError(path, problems)
    return frame


def _row_check_column(check: str, spec: SourceSpec) -> str:
    """The column a whole-row check is about: the first one its message names."""
    named = [(check.find(c), c) for c in spec.columns if c in check]
    return min(named)[1] if named else "-"


def schema_problems(
    cases: pd.DataFrame, spec: SourceSpec, name: str, row_label: Callable[[object], str]
) -> tuple[list[Problem], int]:
    """Pandera failure cases as problems in file order (the first 50, and how many there are);
    a whole-row check is one problem per row."""
    cases = cases.assign(_row=pd.to_numeric(cases["index"], errors="coerce"))
    whole_row = cases["schema_context"] == "DataFrameSchema"
    cases = cases[~(whole_row & cases.duplicated(["_row", "check"]))]
    cases = cases.sort_values("_row", kind="stable", na_position="first")
    problems: list[Problem] = []
    for case in cases.head(MAX_PROBLEMS).itertuples():
        check = str(case.check)
        column, value = str(case.column), case.failure_case
        if case.schema_context == "DataFrameSchema":
            column = _row_check_column(check, spec)
            value = case.failure_case if column == str(case.column) else ""
        shown = "" if pd.isna(value) else str(value)
        problems.append(Problem(name, row_label(case.index), column, shown, describe_check(check)))
    return problems, len(cases)


ALLOW_EMPTY_HINT = "--allow-empty (resource landing: allow_empty) stores it as not delivered"


def check_landing_folder(landing_dir: Path) -> None:
    """Refuses a landing folder that does not exist or holds none of the sources' folders
    (a mistyped --landing or RECON_LANDING_DIR): not seven sources that did not deliver."""
    if not landing_dir.is_dir():
        raise LandingFolderError(
            f"landing folder {landing_dir} does not exist: pass --landing (or set "
            f"RECON_LANDING_DIR) to the folder the sources deliver into, or {ALLOW_EMPTY_HINT}"
        )
    if not any((landing_dir / name).is_dir() for name in SOURCES_BY_NAME):
        raise LandingFolderError(
            f"landing folder {landing_dir} holds none of the sources' folders "
            f"({', '.join(SOURCES_BY_NAME)}): pass --landing (or set RECON_LANDING_DIR) to the "
            f"folder the sources deliver into, or {ALLOW_EMPTY_HINT}"
        )
