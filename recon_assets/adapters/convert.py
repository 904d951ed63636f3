"""Convert one vendor export into canonical landing files and say what was written.

Writer semantics
- Each canonical row has a business date (its date in the retailer's zone); rows land in
  `<landing>/<source>/<YYYY-MM-DD>.csv`, UTF-8, header row, the columns of DESIGN.md
  section 4 in that order, `\\n` line endings.
- Nothing is written unless the whole export converted: a bad value anywhere fails the run.
- An existing landing file for that date is merged by the source's unique key: a row of the
  new export replaces the row with the same key, rows of other keys are kept (so several
  exports, e.g. two processors, can feed one file). Existing files must have the canonical
  columns; extra columns they carry are dropped.
- Output is sorted by key, so the same inputs give the same bytes whatever the order of the
  export or of the conversions; files are replaced atomically (write, then rename).
- Two rows of one export with the same key are an error unless they are identical; so are
  two rows of different exports converted together (`recon convert --feeds`).
- A key is only ever merged within the file of its business date: if a re-export moves a
  record to another date, the copy in the old date's file is left alone (past nights must
  stay reproducible); remove it by hand if that happens.
- Quiet days are delivered days: for each source it feeds, the export covers the business
  dates it states (Xero's "From ... to ..." title line, PayPal's section headers, the
  interval in a Stripe report's file name: the retailer's whole days inside it), else the
  dates from that source's first record to its last (in the retailer's zone; per source, as a
  payout can settle after the last payment of the export); each of them without activity gets
  a header-only file ("delivered, nothing happened") unless it has a file already. Without it
  such a day would read as "not delivered". The covered period and where it comes from are
  printed.
- Vendor rows that mean no canonical record (a payout row, a currency conversion, ...) are
  skipped by the adapter with a reason; the summary counts them per reason and currency with
  their money, and counts the processor records whose order key field was empty.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.table import Table

from recon_assets.adapters.common import (
    AdapterError,
    Context,
    Covers,
    Row,
    Skipped,
    whole_days,
    zone,
)
from recon_assets.adapters.registry import adapter_for
from recon_assets.legs import MISSING_ORDER_KEY
from recon_assets.money import format_money
from recon_assets.settings import DEFAULT_TIMEZONE
from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.sources.landing import landing_path, write_landing_file


@dataclass
class SummaryLine:
    source: str
    business_date: str
    currency: str  # "" for sources without money (shipments)
    rows: int = 0
    money: dict[str, int] = field(default_factory=dict)  # label -> sum of minor units


@dataclass
class SkippedLine:
    reason: str
    currency: str
    rows: int = 0
    amount_minor: int = 0


@dataclass
class Summary:
    format: str
    input_path: Path
    lines: list[SummaryLine]
    files: list[Path]
    covered: tuple[str, str] | None = None  # first and last business date of the export
    stated: tuple[str, ...] = ()  # where the export states its period; () = its records
    quiet_files: list[Path] = field(default_factory=list)  # header-only: nothing happened
    skipped: list[SkippedLine] = field(default_factory=list)
    missing_keys: dict[str, int] = field(default_factory=dict)  # empty order-key field -> rows

    @property
    def rows(self) -> int:
        return sum(line.rows for line in self.lines)


@dataclass(frozen=True)
class Export:
    """A vendor export read whole: its canonical rows and what it skipped; nothing written."""

    format: str
    path: Path
    sources: tuple[str, ...]
    rows: list[Row]
    skipped: list[Skipped]
    covers: list[Covers]  # the periods it states
    tz: ZoneInfo  # the retailer's zone, in which its covered dates are whole days

    def days(self, source: str) -> list[str]:
        """The business dates the export covers for `source`: stated, else its records'."""
        stated = [c for c in self.covers if c.source == source]
        if stated:
            return [d.isoformat() for d in whole_days(stated, self.tz)]
        return _days(_covered([r for r in self.rows if r.source == source]))


def read_export(
    format: str,
    input_path: Path | str,
    timezone: str = DEFAULT_TIMEZONE,
    processor: str | None = None,
    currency: str | None = None,
    order_key: str | None = None,
) -> Export:
    """Read `input_path` with the adapter of `format`; raises AdapterError on any bad value.

    `timezone` is the retailer's business-day zone; `processor` names the processor on
    processor rows (default: the vendor); `currency` is the book currency of exports that do
    not say it (ledgers, Square; default GBP for ledgers, the `$`/`£`/`€` symbol for Square);
    `order_key` the vendor field holding the order key (default: the vendor's usual one).
    """
    adapter = adapter_for(format)
    path = Path(input_path)
    if not path.is_file():
        raise AdapterError(f"{path}: no such file")
    try:
        tz = zone(timezone)
    except ValueError as err:
        raise AdapterError(f"timezone: {err}") from None
    if order_key is not None and adapter.order_keys is None:
        raise AdapterError(f"{format} records carry no order key; order_key is not for it")
    if order_key is not None:
        try:
            adapter.order_keys.header(order_key)
        except ValueError as err:
            raise AdapterError(str(err)) from None
    context = Context(path, tz, processor or adapter.default_processor, currency, order_key)
    read = list(adapter.read(context))
    rows = [r for r in read if isinstance(r, Row)]
    _group(path, rows)  # two different rows under one key: refused before anything is written
    skipped = [r for r in read if isinstance(r, Skipped)]
    covers = [r for r in read if isinstance(r, Covers)]
    return Export(format, path, adapter.sources, rows, skipped, covers, tz)


def check_agreement(exports: Sequence[Export]) -> None:
    """Two exports of one conversion may carry the same record (PayPal's STL and TRR both list
    a settled transaction), never two versions of it: the later would replace the earlier
    without a word. Raises AdapterError naming both files and the key."""
    seen: dict[tuple[str, str], tuple[Path, dict]] = {}
    for export in exports:
        for (source, _), bucket in sorted(_group(export.path, export.rows).items()):
            key_column = SOURCES_BY_NAME[source].key
            for key, values in sorted(bucket.items()):
                first = seen.setdefault((source, key), (export.path, values))
                if first[1] != values:
                    raise AdapterError(
                        f"{first[0].name} and {export.path.name} give two different {source}"
                        f" rows for {key_column} {key!r}; convert one of them"
                    )


def write_export(export: Export, landing_dir: Path | str) -> Summary:
    """Merge a read export into `landing_dir` (module docstring) and say what was written."""
    rows = export.rows
    grouped = _group(export.path, rows)
    files = [
        _merge_file(Path(landing_dir), source, day, new)
        for (source, day), new in sorted(grouped.items())
    ]
    days = {source: export.days(source) for source in export.sources}
    quiet = [
        write_landing_file(Path(landing_dir), source, day, [])
        for source in export.sources
        for day in days[source]
        if (source, day) not in grouped and landing_path(Path(landing_dir), source, day) is None
    ]
    covered = sorted({row.business_date for row in rows} | {d for ds in days.values() for d in ds})
    return Summary(
        export.format,
        export.path,
        _summarise(rows),
        files,
        (covered[0], covered[-1]) if covered else None,
        tuple(dict.fromkeys(c.stated for c in export.covers)),
        sorted(quiet),
        _skipped(export.skipped),
        _missing_keys(rows),
    )


def convert(
    format: str,
    input_path: Path | str,
    landing_dir: Path | str,
    timezone: str = DEFAULT_TIMEZONE,
    processor: str | None = None,
    currency: str | None = None,
    order_key: str | None = None,
) -> Summary:
    """Read `input_path` whole (read_export), then merge it into `landing_dir`."""
    export = read_export(format, input_path, timezone, processor, currency, order_key)
    return write_export(export, landing_dir)


def _skipped(skipped: list[Skipped]) -> list[SkippedLine]:
    lines: dict[tuple[str, str], SkippedLine] = {}
    for item in skipped:
        key = (item.reason, item.currency)
        line = lines.setdefault(key, SkippedLine(*key))
        line.rows += 1
        line.amount_minor += item.amount_minor
    return [lines[k] for k in sorted(lines)]


def _missing_keys(rows: list[Row]) -> dict[str, int]:
    """Processor records without an order key, per vendor field that was empty."""
    fields: dict[str, int] = {}
    for row in rows:
        prefix, _, rest = str(row.values.get("order_ref", "")).partition(":")
        if prefix == MISSING_ORDER_KEY:
            field_name = rest.split(":", 1)[0]  # a psp reference may hold ':', a field not
            fields[field_name] = fields.get(field_name, 0) + 1
    return dict(sorted(fields.items()))


def _covered(rows: list[Row]) -> tuple[str, str] | None:
    """The first and last business date of the rows: what the export covers."""
    days = sorted({row.business_date for row in rows})
    return (days[0], days[-1]) if days else None


def _days(covered: tuple[str, str] | None) -> list[str]:
    if covered is None:
        return []
    first, last = (date.fromisoformat(d) for d in covered)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _group(path: Path, rows: Iterable[Row]) -> dict[tuple[str, str], dict[str, dict]]:
    grouped: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for row in rows:
        spec = SOURCES_BY_NAME[row.source]
        values = {c: _cell(row.values[c]) for c in spec.columns}
        key = values[spec.key]
        bucket = grouped[(row.source, row.business_date)]
        if key in bucket and bucket[key] != values:
            raise AdapterError(
                f"{path.name}: two different {row.source} rows share {spec.key} {key!r}"
            )
        bucket[key] = values
    return grouped


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _merge_file(landing_dir: Path, source: str, day: str, new: dict[str, dict]) -> Path:
    spec = SOURCES_BY_NAME[source]
    target = landing_dir / source / f"{day}.csv"
    merged: dict[str, dict] = {}
    if target.exists():
        with target.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in spec.columns if c not in (reader.fieldnames or [])]
            if missing:
                raise AdapterError(
                    f"{target}: existing landing file lacks column(s) {', '.join(missing)};"
                    " not merging into it"
                )
            for record in reader:
                merged[record[spec.key]] = {c: record[c] or "" for c in spec.columns}
    merged.update(new)
    return write_landing_file(landing_dir, source, day, merged.values())


# Unsigned amounts of these sources are only meaningful per type (an order, a refund).
TYPE_COLUMNS = {
    "storefront_orders": "event_type",
    "pos_transactions": "txn_type",
    "processor_transactions": "txn_type",
}


def _label(row: Row, column: str) -> str:
    name = column.removesuffix("_minor")
    kind = TYPE_COLUMNS.get(row.source)
    if kind is None:
        return name
    return str(row.values[kind]) + ("" if name == "amount" else f" {name}")


def _summarise(rows: Iterable[Row]) -> list[SummaryLine]:
    lines: dict[tuple[str, str, str], SummaryLine] = {}
    for row in rows:
        spec = SOURCES_BY_NAME[row.source]
        currency = str(row.values.get("currency", "") or "")
        line = lines.setdefault(
            (row.source, row.business_date, currency),
            SummaryLine(row.source, row.business_date, currency),
        )
        line.rows += 1
        for column in spec.money_columns:
            label = _label(row, column)
            line.money[label] = line.money.get(label, 0) + int(row.values[column])
    return [lines[k] for k in sorted(lines)]


def render_summary(summary: Summary) -> Table:
    """What `recon convert` prints: rows and money per source, day and currency."""
    period = (
        f"covers {summary.covered[0]} to {summary.covered[1]}"
        if summary.covered
        else "covers no business date"
    )
    period += (
        f" (as it states: {'; '.join(summary.stated)})"
        if summary.stated
        else " (its first to its last record)"
    )
    quiet = f", {len(summary.quiet_files)} quiet (header-only)" if summary.quiet_files else ""
    table = Table(
        title=f"{summary.format}: {summary.input_path.name} {period} -> {summary.rows} rows, "
        f"{len(summary.files)} landing file(s){quiet}"
    )
    for name in ("source", "date", "currency", "rows", "money"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for line in summary.lines:
        money = ", ".join(
            f"{label} {format_money(amount, line.currency)}" for label, amount in line.money.items()
        )
        table.add_row(line.source, line.business_date, line.currency or "-", str(line.rows), money)
    notes = [
        f"skipped {line.rows} row(s): {line.reason}"
        + (f" ({format_money(line.amount_minor, line.currency)})" if line.currency else "")
        for line in summary.skipped
    ]
    notes += [
        f"{count} processor record(s) without an order key: field {name!r} is empty"
        " (each is a mapping break)"
        for name, count in summary.missing_keys.items()
    ]
    table.caption = "\n".join(notes) or None
    table.caption_justify = "left"
    return table
