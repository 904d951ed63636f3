"""A night's history: which earlier nights must be reconciled before it can be trusted.

A night is matched against the records of the nights before it, so it is only as good as its
history: every earlier night whose landing files exist must have been reconciled, with the
files as they are now, back to the retailer's first night (`RECON_START_DATE`). Counterparts
dated before the first night cannot be seen, and the report says so on that night.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.landing import landing_path
from recon_assets.warehouse import Session, Warehouse, run_sql

_DATED_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(csv|parquet)$")


@dataclass(frozen=True)
class NightCalendar:
    """The retailer's first night: the night whose history is complete by definition (a
    plain resource, as the warehouse is, so this module loads without Dagster)."""

    first_night: str

    @property
    def first(self) -> date:
        return date.fromisoformat(self.first_night)


@dataclass(frozen=True)
class Fingerprint:
    """What a landing file was when a night read it (None: not delivered)."""

    file_name: str | None
    file_size: int | None
    file_mtime_ns: int | None
    file_sha256: str | None

    @classmethod
    def of(cls, path: Path | None) -> Fingerprint:
        if path is None:
            return cls(None, None, None, None)
        stat = path.stat()
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        return cls(path.name, stat.st_size, stat.st_mtime_ns, digest)

    def same_file(self, path: Path | None) -> bool:
        """Whether `path` is still this file: by name and size, then by content unless its
        modification time is unchanged (hashing a year of files on every run is not free)."""
        if path is None or self.file_name is None:
            return path is None and self.file_name is None
        stat = path.stat()
        if path.name != self.file_name or stat.st_size != self.file_size:
            return False
        return (
            stat.st_mtime_ns == self.file_mtime_ns
            or Fingerprint.of(path).file_sha256 == self.file_sha256
        )


class HistoryIncomplete(RuntimeError):
    """A night cannot be reconciled with its whole history; the message says which night."""


def previous_night_reconciled(session: Session, night: date) -> bool:
    found = run_sql(
        session, "checks/previous_night_reconciled", {"prev": night - timedelta(days=1)}
    )
    return bool(found["n"].iloc[0])


def landing_nights(landing_dir: Path, first: date, before: date) -> list[date]:
    """Business dates, from the first night up to (not including) `before`, with any file."""
    found = set()
    for spec in SOURCES:
        folder = landing_dir / spec.name
        if folder.is_dir():
            for path in folder.iterdir():
                match = _DATED_FILE.match(path.name)
                if match and first <= (d := date.fromisoformat(match[1])) < before:
                    found.add(d)
    return sorted(found)


def _stored(warehouse: Warehouse, first: date, night: date) -> tuple[set[date], pd.DataFrame]:
    params = {"first": first, "night": night}
    with warehouse.session() as session:
        runs = run_sql(session, "checks/reconciled_nights", params)
        deliveries = run_sql(session, "checks/stored_deliveries", params)
    reconciled = {pd.Timestamp(d).date() for d in runs["recon_date"]}
    return reconciled, deliveries


def _stale(landing_dir: Path, night: date, deliveries: pd.DataFrame) -> bool:
    """A night whose stored deliveries are not the landing files as they are now."""
    stored = {
        r.source: Fingerprint(
            None if pd.isna(r.file_name) else r.file_name,
            None if pd.isna(r.file_size) else int(r.file_size),
            None if pd.isna(r.file_mtime_ns) else int(r.file_mtime_ns),
            None if pd.isna(r.file_sha256) else r.file_sha256,
        )
        for r in deliveries.itertuples()
    }
    return any(
        not stored.get(spec.name, Fingerprint.of(None)).same_file(
            landing_path(landing_dir, spec.name, night.isoformat())
        )
        for spec in SOURCES
    )


def nights_to_reconcile(
    warehouse: Warehouse, landing_dir: Path, first: date, night: date
) -> list[date]:
    """The nights to reconcile, in date order, so that `night` has its whole history: from
    the first earlier night that was never reconciled, or was with other files, to `night`.

    Raises HistoryIncomplete when no catch-up can give it one: `night` is before the first
    night, or a night of the chain has no files and was never reconciled.
    """
    if night < first:
        raise HistoryIncomplete(
            f"{night} is before the first night {first} (RECON_START_DATE): set "
            "RECON_START_DATE to the first business date your landing files cover"
        )
    reconciled, deliveries = _stored(warehouse, first, night)
    candidates = landing_nights(landing_dir, first, night)
    by_night = dict(iter(deliveries.groupby(deliveries["business_date"].map(_as_date))))
    stale = next(
        (
            d
            for d in candidates
            if d not in reconciled or _stale(landing_dir, d, by_night.get(d, deliveries.iloc[:0]))
        ),
        None,
    )
    chain = [d for d in candidates if stale is not None and d >= stale] + [night]
    done = reconciled - set(chain)
    for d in chain:
        before = d - timedelta(days=1)
        if d != first and before not in done and before not in chain:
            raise HistoryIncomplete(
                f"night {before} has no landing files and was never reconciled, so {d} "
                f"cannot see its history: deliver {before}'s files (a header-only file "
                "means nothing happened), or set RECON_START_DATE to the first business "
                "date your landing files cover"
            )
    return chain


def _as_date(value: object) -> date:
    return pd.Timestamp(value).date()
