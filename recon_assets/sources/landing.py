"""Reads canonical landing files: `<landing>/<source>/<YYYY-MM-DD>.csv` (or `.parquet`).

Every value is parsed with an error that names the file, the line (CSV; the header is line 1)
or row (Parquet) and the column, then the pandera model checks the typed frame. Nothing is
returned unless the whole file is valid, so nothing bad is ever written downstream.
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

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from recon_assets.sources.catalog import SOURCES_BY_NAME, SourceSpec

MAX_PROBLEMS = 50
_INTEGER = re.compile(r"^[+-]?\d+$")

# Pandera check names, said the way a person fixing the file needs to hear them.
_CHECK_MESSAGES = {
    "field_uniqueness": "is a duplicate key: another row has the same value",
    "iso_currency": "is not an ISO-4217 currency code",
    "timestamp_with_offset": "is not an ISO-8601 timestamp with an offset (e.g. +01:00)",
    "iso_date": "is not a YYYY-MM-DD date",
    "greater_than_or_equal_to(0)": "must not be negative",
    "not_nullable": "must not be empty",
}


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
    row: str  # "line 7" for CSV, "row 6" for Parquet, "header" for missing columns
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        shown = f" {self.value!r}" if self.value != "" else ""
        return f"{self.file}, {self.row}, column {self.column}:{shown} {self.message}"


class LandingError(ValueError):
    """A landing file that cannot be accepted; `problems` lists each bad cell (at most 50)."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.total = len(problems)
        self.problems = problems[:MAX_PROBLEMS]
        shown = ", first 5 shown" if self.total > 5 else ""
        lines = "\n".join(f"  - {p}" for p in self.problems[:5])
        super().__init__(f"{path}: {self.total} problem(s){shown}\n{lines}")


@dataclass(frozen=True)
class LandedFile:
    source: str
    business_date: str
    path: Path | None  # None: the source did not deliver a file for this date
    frame: pd.DataFrame = field(repr=False)

    @property
    def delivered(self) -> bool:
        return self.path is not None


def landing_path(landing_dir: Path, source: str, business_date: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        candidate = landing_dir / source / f"{business_date}{suffix}"
        if candidate.exists():
            return candidate
    return None


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


def _raw_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """All cells as text; returns the frame and the offset from index to the reported row."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        frame = frame.apply(lambda col: col.map(lambda v: "" if pd.isna(v) else str(v)))
        return frame.reset_index(drop=True), 1
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame, 2


def _row_label(path: Path, index: object, offset: int) -> str:
    if not isinstance(index, int | float) or pd.isna(index):
        return "whole file"
    return f"{'row' if path.suffix == '.parquet' else 'line'} {int(index) + offset}"


def _row_check_column(check: str, spec: SourceSpec) -> str:
    """The column a whole-row check is about: the first one its message names."""
    named = [(check.find(c), c) for c in spec.columns if c in check]
    return min(named)[1] if named else "-"


def schema_problems(
    cases: pd.DataFrame, spec: SourceSpec, name: str, row_label: Callable[[object], str]
) -> list[Problem]:
    """Pandera failure cases as problems; a whole-row check is reported once per row."""
    problems: list[Problem] = []
    seen: set[tuple[object, str]] = set()
    for case in cases.itertuples():
        check = str(case.check)
        column, value = str(case.column), case.failure_case
        if case.schema_context == "DataFrameSchema":
            if (case.index, check) in seen:
                continue
            seen.add((case.index, check))
            column = _row_check_column(check, spec)
            value = case.failure_case if column == str(case.column) else ""
        problems.append(
            Problem(
                name,
                row_label(case.index),
                column,
                "" if pd.isna(value) else str(value),
                describe_check(check),
            )
        )
    return problems


def parse_landing_file(path: Path, spec: SourceSpec) -> pd.DataFrame:
    """Parse and validate one landing file into the canonical typed frame, or raise."""
    name = f"{path.parent.name}/{path.name}"
    try:
        raw, offset = _raw_frame(path)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as err:
        raise LandingError(path, [Problem(name, "whole file", "-", "", str(err))]) from err
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in spec.columns if c not in raw.columns]
    if missing:
        found = ", ".join(raw.columns) or "none"
        problems = [
            Problem(name, "header", c, "", f"is missing (columns found: {found})") for c in missing
        ]
        raise LandingError(path, problems)

    frame = raw[list(spec.columns)].copy()
    problems: list[Problem] = []
    for column in spec.int_columns:
        text = frame[column].str.strip()
        bad = ~text.str.match(_INTEGER)
        problems += [
            Problem(
                name,
                _row_label(path, index, offset),
                column,
                value,
                "is not an integer number of minor units",
            )
            for index, value in text[bad].items()
        ]
        frame[column] = pd.to_numeric(text.where(~bad, "0")).astype("int64")
    for column in spec.optional_columns:
        frame[column] = frame[column].where(frame[column].str.strip() != "", None)
    if problems:
        raise LandingError(path, problems)

    try:
        spec.model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems = schema_problems(
            err.failure_cases, spec, name, lambda index: _row_label(path, index, offset)
        )
        raise LandingError(path, problems) from err
    return frame.reset_index(drop=True)


class LandingSource(dg.ConfigurableResource):
    """The landing folder the sources deliver their daily files into."""

    landing_dir: str

    def read(self, spec: SourceSpec, business_date: str) -> LandedFile:
        path = landing_path(Path(self.landing_dir), spec.name, business_date)
        if path is None:
            empty = pd.DataFrame({c: pd.Series(dtype="object") for c in spec.columns})
            for column in spec.int_columns:
                empty[column] = empty[column].astype("int64")
            return LandedFile(spec.name, business_date, None, empty)
        return LandedFile(spec.name, business_date, path, parse_landing_file(path, spec))
