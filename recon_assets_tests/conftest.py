"""Shared fixtures: a real temporary DuckDB file, a landing folder and settings."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from recon_assets.settings import Settings
from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.warehouse import DuckDBWarehouse

SHARED_FORMATS = Path(__file__).resolve().parents[2] / "shared" / "formats"


def write_landing(
    landing: Path, source: str, business_date: str, rows: Iterable[Mapping[str, object]]
) -> Path:
    """Write one canonical landing file with exactly the source's columns."""
    path = landing / source / f"{business_date}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = SOURCES_BY_NAME[source].columns
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    home = tmp_path / "home"
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("RECON_HOME", str(home))
    monkeypatch.setenv("RECON_LANDING_DIR", str(landing))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    # Hand-written books start on their night 1 (recon_assets_tests.books.D1).
    monkeypatch.setenv("RECON_START_DATE", "2026-05-04")
    return Settings.from_env()


@pytest.fixture
def warehouse(settings: Settings) -> DuckDBWarehouse:
    return DuckDBWarehouse(database=str(settings.duckdb_path))
