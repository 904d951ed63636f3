"""Parsing helpers shared by every vendor adapter: framing, headers, money, dates, ids.

Every error names the file, and for a value also the line and the column, so a person can
open the export and find the cell. Money is parsed with `Decimal` and converted to integer
minor units with the currency's exponent from babel; a value that does not fit exactly is an
error, never a rounding.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from recon_assets.legs import MISSING_ORDER_KEY
from recon_assets.money import exponent, is_currency


class AdapterError(ValueError):
    """An export that cannot be converted; the message says where and why."""


@dataclass(frozen=True)
class Context:
    """What an adapter knows besides the file: the retailer's zone and configured names."""

    path: Path
    tz: ZoneInfo
    processor: str | None = None
    currency: str | None = None
    order_key: str | None = None  # the vendor field holding the order key (sources.yaml)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Row:
    """One canonical record and the business date that decides its landing file."""

    source: str
    business_date: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class Skipped:
    """A vendor row that means no canonical record: counted and printed with its reason and
    money, never dropped silently."""

    reason: str
    currency: str = ""
    amount_minor: int = 0


@dataclass(frozen=True)
class Covers:
    """What an export says it covers for one source it feeds: the instants from `start` to
    `end` (exclusive), and where it says so (a title line, a section header, its file name).
    Its whole business dates are delivered, quiet ones included."""

    source: str
    start: datetime
    end: datetime
    stated: str

    @classmethod
    def dates(cls, source: str, first: date, last: date, tz: ZoneInfo, stated: str) -> Covers:
        """Whole days of the retailer's calendar (a ledger's period, a settlement date)."""
        start = datetime.combine(first, time(), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
        return cls(source, start, end, stated)


def whole_days(covers: Iterable[Covers], tz: ZoneInfo) -> list[date]:
    """The business dates lying wholly inside the union of `covers`: a PayPal day stated in
    PST covers no London date alone, two consecutive ones cover the London date between."""
    spans: list[list[datetime]] = []
    for cover in sorted(covers, key=lambda c: (c.start, c.end)):
        if spans and cover.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], cover.end)
        else:
            spans.append([cover.start, cover.end])
    days: set[date] = set()
    for start, end in spans:
        local = start.astimezone(tz)
        first = local.date() + timedelta(days=0 if local.time() == time() else 1)
        last = end.astimezone(tz).date() - timedelta(days=1)  # the day `end` falls in is not whole
        days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return sorted(days)


def missing_order_key(field: str, psp_reference: str) -> str:
    return f"{MISSING_ORDER_KEY}:{field}:{psp_reference}"


@dataclass(frozen=True)
class OrderKeys:
    """Where a vendor puts the order key: `order_key` names in sources.yaml -> export header.

    `metadata` is the header of a free metadata field (Stripe's `payment_metadata[{}]`), so
    `metadata.order_id` reads `payment_metadata[order_id]`.
    """

    default: str
    fields: Mapping[str, str]
    metadata: str | None = None

    def choices(self) -> str:
        extra = ["metadata.<name>"] if self.metadata else []
        return ", ".join([*self.fields, *extra])

    def header(self, name: str) -> str:
        if name in self.fields:
            return self.fields[name]
        prefix, _, key = name.partition(".")
        if self.metadata and prefix == "metadata" and key.strip():
            return self.metadata.format(key.strip())
        raise ValueError(f"order_key {name!r} is not one of {self.choices()}")

    def column(self, ctx: Context) -> tuple[str, Column]:
        """The configured (or default) name and the optional column it is read from: an
        export without that column has no order key on any row, which is said per row."""
        name = ctx.order_key or self.default
        return name, optional(self.header(name))


def order_ref(record: Record, field: str, psp_reference: str) -> str:
    """The order key a processor record carries, or the marker naming the empty field."""
    return record.text("order") or missing_order_key(field, psp_reference)


# --- framing and headers ---------------------------------------------------------------


def normalise_header(name: str) -> str:
    """Case, BOM and whitespace differ between versions (`Transaction  Debit or Credit`)."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def read_csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every CSV record; quoted fields may span lines."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            line = 1
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
    except UnicodeDecodeError as err:
        raise AdapterError(f"{path.name}: not UTF-8 text ({err})") from err
    except csv.Error as err:
        raise AdapterError(f"{path.name}: unreadable CSV ({err})") from err
    except OSError as err:
        raise AdapterError(f"{path}: cannot be read ({err.strerror})") from err


@dataclass(frozen=True)
class Column:
    """A logical column and the header names vendors use for it."""

    names: tuple[str, ...]
    required: bool = True

    @classmethod
    def of(cls, *names: str, required: bool = True) -> Column:
        return cls(tuple(names), required)


def optional(*names: str) -> Column:
    return Column.of(*names, required=False)


@dataclass
class Table:
    """Data records of one export, with their columns located by header name."""

    path: Path
    header: list[str]
    positions: dict[str, int]
    records: list[tuple[int, list[str]]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Record]:
        for line, cells in self.records:
            yield Record(self, line, cells)


def locate_columns(
    path: Path, header: Sequence[str], columns: Mapping[str, Column]
) -> dict[str, int] | list[str]:
    """Positions of the logical columns, or the list of required ones not found."""
    index = {normalise_header(h): i for i, h in reversed(list(enumerate(header)))}
    positions: dict[str, int] = {}
    missing: list[str] = []
    for key, column in columns.items():
        found = next((index[n] for n in map(normalise_header, column.names) if n in index), None)
        if found is not None:
            positions[key] = found
        elif column.required:
            missing.append(column.names[0])
    return missing or positions


def header_error(path: Path, header: Sequence[str], missing: Sequence[str]) -> AdapterError:
    """Names the missing columns and, for each, the closest header the file does have."""
    by_norm = {normalise_header(h): h for h in header if h.strip()}
    hints = []
    for name in missing:
        close = difflib.get_close_matches(normalise_header(name), list(by_norm), n=1, cutoff=0.6)
        hints.append(
            f"{name!r} (closest header found: {by_norm[close[0]]!r})"
            if close
            else f"{name!r} (no similar header)"
        )
    return AdapterError(
        f"{path.name}: unknown or drifted header, missing column(s): " + "; ".join(hints)
    )


def read_table(
    path: Path,
    columns: Mapping[str, Column],
    *,
    lines: Iterable[tuple[int, list[str]]] | None = None,
    search_rows: int = 1,
) -> Table:
    """Find the header among the first `search_rows` non-blank records, keep the rest.

    `search_rows > 1` lets ledgers skip their title/preamble lines; the header is the first
    record that has every required column.
    """
    records = list(read_csv_lines(path) if lines is None else lines)
    best: tuple[int, list[str], list[str]] | None = None
    seen = 0
    for position, (line, cells) in enumerate(records):
        if not any(c.strip() for c in cells):
            continue
        located = locate_columns(path, cells, columns)
        if isinstance(located, dict):
            body = [(n, c) for n, c in records[position + 1 :] if any(x.strip() for x in c)]
            return Table(path, cells, located, body)
        if best is None or len(located) < len(best[2]):
            best = (line, cells, located)
        seen += 1
        if seen >= search_rows:
            break
    if best is None:
        raise AdapterError(f"{path.name}: the file is empty (no header row)")
    raise header_error(path, best[1], best[2])


@dataclass(frozen=True)
class Record:
    table: Table
    line: int
    cells: list[str]

    def has(self, key: str) -> bool:
        return key in self.table.positions

    def text(self, key: str) -> str:
        """The cell, stripped; '' when the column is absent or the row is short."""
        position = self.table.positions.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise self.error(key, value, "is empty")
        return value

    def error(self, key: str, value: str, message: str) -> AdapterError:
        """`orders.csv, line 7, column 'Total': '12,5' is not an amount`."""
        position = self.table.positions.get(key)
        column = self.table.header[position].strip() if position is not None else key
        shown = f" {value!r}" if value else ""
        return AdapterError(
            f"{self.table.path.name}, line {self.line}, column {column!r}:{shown} {message}"
        )

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Locate a rule broken by the record as a whole (a negative fee, an unknown type)."""
        try:
            yield
        except AdapterError:
            raise
        except ValueError as err:
            raise AdapterError(f"{self.table.path.name}, line {self.line}: {err}") from None

    def parse(self, key: str, parser, *args):
        """Run `parser(text, *args)`, turning its ValueError into a located error."""
        value = self.text(key)
        try:
            return parser(value, *args)
        except ValueError as err:
            raise self.error(key, value, str(err)) from None

    def decimal(self, key: str, *, blank_is_zero: bool = True) -> Decimal:
        value = self.text(key)
        if not value and blank_is_zero:
            return Decimal(0)
        return self.parse(key, parse_decimal)

    def minor(self, key: str, currency: str, *, blank_is_zero: bool = True) -> int:
        amount = self.decimal(key, blank_is_zero=blank_is_zero)
        try:
            return to_minor(amount, currency)
        except ValueError as err:
            raise self.error(key, self.text(key), str(err)) from None

    def currency(self, key: str) -> str:
        return self.parse(key, parse_currency)


# --- money -----------------------------------------------------------------------------

_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
# Currency symbols a spreadsheet export puts before an amount, and the code each stands for.
CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}


def parse_decimal(text: str) -> Decimal:
    """`12.50`, `-$0.95`, `$(250.00)`, `(500.00)`, `"4,250.00"`, `.11` -> exact Decimal.

    Excel scientific notation (`1.23E+022`) is refused: its digits are already lost.
    """
    value = text.strip().replace(" ", "")
    if not value:
        raise ValueError("is empty, expected an amount")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value[:1] in "+-":
        negative, value = negative ^ (value[0] == "-"), value[1:]
    value = value.lstrip("".join(CURRENCY_SYMBOLS))
    if value.startswith("(") and value.endswith(")"):  # `$(250.00)`
        negative, value = not negative, value[1:-1]
    if value[:1] == "-":  # `$-5.00`
        negative, value = not negative, value[1:]
    if re.search(r"\d[eE][+-]?\d", value):
        raise ValueError("is in scientific notation (edited in a spreadsheet?); re-export it")
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    if not _PLAIN.match(value):
        raise ValueError("is not an amount")
    try:
        amount = Decimal(value)
    except InvalidOperation as err:  # pragma: no cover - the regex already guarantees digits
        raise ValueError("is not an amount") from err
    return -amount if negative else amount


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if not is_currency(code):
        raise ValueError("is not an ISO-4217 currency code")
    return code


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact integer minor units: GBP 12.34 -> 1234, JPY 150 -> 150, BHD 1.250 -> 1250."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(
            f"has more decimals than {currency} allows ({exponent(currency)}); not rounded"
        )
    return int(scaled)


def implied_minor(text: str, currency: str, implied_decimals: int = 2) -> int:
    """PayPal writes 100.00 USD and 100,00 JPY both as `10000`: integer, 2 implied decimals."""
    value = text.strip()
    if not re.fullmatch(r"\d+", value):
        raise ValueError("is not an unsigned integer amount")
    return to_minor(Decimal(value).scaleb(-implied_decimals), currency)


# --- dates and times -------------------------------------------------------------------

# Fixed offsets of the zone abbreviations processors print (Adyen's TimeZone column).
ZONE_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0, "GMT": 0, "WET": 0, "Z": 0, "BST": 60, "IST": 60, "WEST": 60, "CET": 60,
    "CEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "GST": 240, "SGT": 480, "HKT": 480,
    "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "AST": -240, "ADT": -180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480,
    "HST": -600,
}  # fmt: skip

# Rails/ActiveSupport zone names (Square's `Time Zone`) -> IANA; DST follows the IANA zone.
RAILS_ZONES: dict[str, str] = {
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Mountain Time (US & Canada)": "America/Denver",
    "Central Time (US & Canada)": "America/Chicago",
    "Eastern Time (US & Canada)": "America/New_York",
    "Atlantic Time (Canada)": "America/Halifax",
    "Arizona": "America/Phoenix",
    "Alaska": "America/Juneau",
    "Hawaii": "Pacific/Honolulu",
    "Newfoundland": "America/St_Johns",
    "London": "Europe/London",
    "Edinburgh": "Europe/London",
    "Dublin": "Europe/Dublin",
    "Lisbon": "Europe/Lisbon",
    "Paris": "Europe/Paris",
    "Madrid": "Europe/Madrid",
    "Amsterdam": "Europe/Amsterdam",
    "Berlin": "Europe/Berlin",
    "Rome": "Europe/Rome",
    "Stockholm": "Europe/Stockholm",
    "Tokyo": "Asia/Tokyo",
    "Sydney": "Australia/Sydney",
    "Melbourne": "Australia/Melbourne",
    "Brisbane": "Australia/Brisbane",
    "Perth": "Australia/Perth",
    "Auckland": "Pacific/Auckland",
    "UTC": "UTC",
}


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone") from None


def named_zone(text: str) -> ZoneInfo:
    """A Rails zone name (`Pacific Time (US & Canada)`) or an IANA id."""
    name = text.strip()
    return zone(RAILS_ZONES.get(name, name))


def abbreviation_offset(text: str) -> timezone:
    code = text.strip().upper()
    if code not in ZONE_ABBREVIATIONS:
        raise ValueError("is not a known time-zone abbreviation")
    return timezone(timedelta(minutes=ZONE_ABBREVIATIONS[code]))


_OFFSET_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y/%m/%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z")


def parse_offset_ts(text: str) -> datetime:
    """`2025-04-01 17:18:52 -0700` (Shopify), `2026/01/06 00:00:30 -0800` (PayPal), ISO."""
    value = text.strip()
    for fmt in _OFFSET_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("is not a timestamp with a UTC offset")
    return parsed


def parse_naive(text: str, formats: Sequence[str]) -> datetime:
    value = " ".join(text.split())
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"is not a date/time in a known format ({', '.join(formats)})")


def localise(naive: datetime, tz: ZoneInfo | timezone) -> datetime:
    """Attach the zone a vendor left out; an ambiguous DST hour takes the first (fold=0)."""
    return naive.replace(tzinfo=tz)


def iso_ts(moment: datetime) -> str:
    """ISO-8601 with the offset the moment carries: `2025-03-20T05:20:57-07:00`."""
    return moment.isoformat(timespec="seconds")


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The retailer's calendar day of an instant: the date in the configured zone."""
    return moment.astimezone(tz).date()


def business_date(moment: datetime, tz: ZoneInfo) -> str:
    return local_date(moment, tz).isoformat()


def parse_date(text: str, formats: Sequence[str]) -> date:
    return parse_naive(text, formats).date()


# --- identifiers ------------------------------------------------------------------------


class IdMaker:
    """Stable ids for vendors without a line id: hash of the record's identifying fields,
    plus an occurrence number so two identical lines in one export stay two lines."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.seen: dict[str, int] = {}

    def __call__(self, *parts: object) -> str:
        text = "\x1f".join(str(p) for p in parts)
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]
        count = self.seen.get(digest, 0)
        self.seen[digest] = count + 1
        return f"{self.prefix}-{digest}" + (f"-{count + 1}" if count else "")


def strip_hash(order_name: str) -> str:
    """Shopify order names are `#1058`; the canonical order id is `1058` on every side."""
    return order_name.strip().lstrip("#")
