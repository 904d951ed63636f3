"""CSV files: one per source and business date, then expected_breaks.csv.

Byte-for-byte reproducible: fixed column order, rows sorted by their key, `\n` line ends.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from recon_assets.generator.landing import Dated
from recon_assets.generator.oracle import EXPECTED_COLUMNS
from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.landing import write_landing_file

EXPECTED_BREAKS_FILE = "expected_breaks.csv"


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_landing(out_dir: Path, nights: list[date], sources: dict[str, Dated]) -> dict[str, int]:
    """A file per source and night, header-only when nothing happened; rows dated after the
    last night are not written (in flight). Returns the rows written per source."""
    written = {}
    for spec in SOURCES:
        source = spec.name
        by_day: dict[date, list] = defaultdict(list)
        for day, row in sources[source]:
            by_day[day].append(row)
        written[source] = 0
        for night in nights:
            write_landing_file(out_dir, source, night.isoformat(), by_day[night])
            written[source] += len(by_day[night])
    return written


def write_expected(out_dir: Path, rows: list[dict[str, str]]) -> None:
    _write_csv(out_dir / EXPECTED_BREAKS_FILE, EXPECTED_COLUMNS, rows)
