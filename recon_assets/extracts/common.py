"""What every extract shares: the night's time range, polite waiting, the raw pages kept for
audit, and landing a night through the vendor's file adapter."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from recon_assets.adapters import Summary, read_export, write_export
from recon_assets.adapters.config import Feed
from recon_assets.money import exponent
from recon_assets.sources.landing import landing_path, write_landing_file

# Beside the landing files: <landing>/raw/<extract>/<night>.jsonl.gz (the API's pages) and
# <night>.csv (its records in the vendor export's columns: what the file adapter read).
RAW_FOLDER = "raw"


class ExtractError(RuntimeError):
    """The vendor did not deliver a night; the message is one line, with no secret in it."""


@dataclass(frozen=True)
class Night:
    """A business date and the instants it spans in the retailer's zone (a DST night is 23
    or 25 hours long)."""

    business_date: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, business_date: str, tz: ZoneInfo) -> Night:
        day = date.fromisoformat(business_date)
        start = datetime.combine(day, time(), tz)
        return cls(business_date, start, datetime.combine(day + timedelta(days=1), time(), tz))


def major_units(amount_minor: int, currency: str) -> str:
    """An API's integer minor units as an export prints them: 1500 GBP -> `15.00`."""
    return format(Decimal(amount_minor).scaleb(-exponent(currency.upper())), "f")


def retry_after_seconds(headers: Mapping[str, str], attempt: int) -> float:
    """The server's `Retry-After` (seconds or an HTTP date), else exponential backoff."""
    value = (headers.get("Retry-After") or headers.get("retry-after") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                moment = parsedate_to_datetime(value)
                return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())
            except (TypeError, ValueError):
                pass
    return backoff_seconds(attempt)


def backoff_seconds(attempt: int) -> float:
    return min(0.5 * 2**attempt, 8.0)


def _atomic_write(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, target)
    return target


def raw_dir(landing_dir: Path, extract: str) -> Path:
    return landing_dir / RAW_FOLDER / extract


def write_raw_pages(landing_dir: Path, extract: str, night: str, pages: Sequence[object]) -> Path:
    """One JSON document per line, keys sorted, gzip without a name or time in its header:
    the same pages give the same bytes on every re-extraction."""
    text = "".join(json.dumps(p, sort_keys=True, ensure_ascii=False) + "\n" for p in pages)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return _atomic_write(raw_dir(landing_dir, extract) / f"{night}.jsonl.gz", buffer.getvalue())


def write_export_rows(
    landing_dir: Path, extract: str, night: str, header: Sequence[str], rows: Iterable[Mapping]
) -> Path:
    """The API's records in the vendor export's columns, as the file adapter reads them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = raw_dir(landing_dir, extract) / f"{night}.csv"
    return _atomic_write(path, buffer.getvalue().encode("utf-8"))


def land_night(feed: Feed, export_csv: Path, landing_dir: Path, night: str) -> Summary:
    """Convert the night's export rows with the feed's file adapter and land the rows dated
    `night`; a source with none gets a header-only file ("delivered, nothing happened").

    Rows the adapter dates on another night (a payout tonight settling older charges) belong
    to that night's extract, which lands them: one extract writes one night's files.
    """
    export = read_export(
        feed.format, export_csv, feed.timezone, feed.processor, feed.currency, feed.order_key
    )
    tonight = dataclasses.replace(export, rows=[r for r in export.rows if r.business_date == night])
    summary = write_export(tonight, landing_dir)
    quiet = [
        write_landing_file(landing_dir, source, night, [])
        for source in export.sources
        if landing_path(landing_dir, source, night) is None
    ]
    return dataclasses.replace(summary, quiet_files=sorted([*summary.quiet_files, *quiet]))
