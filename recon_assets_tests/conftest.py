"""Shared fixtures: a real temporary DuckDB file, a landing folder and settings."""

from __future__ import annotations

import csv
import os
import socket
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

# Hermetic: the code location read at import (recon_assets.definitions.defs) must not see the
# developer's .recon (a demo's stored first night) or their environment.
os.environ["RECON_HOME"] = tempfile.mkdtemp(prefix="recon-tests-")
for variable in ("RECON_START_DATE", "RECON_LANDING_DIR", "RECON_RULES_DIR", "RECON_WAREHOUSE"):
    os.environ.pop(variable, None)

from recon_assets.settings import Settings  # noqa: E402
from recon_assets.sources.catalog import SOURCES_BY_NAME  # noqa: E402
from recon_assets.warehouse_duckdb import DuckDBWarehouse  # noqa: E402

# The checkout (workspace.yaml, the Makefile); the product itself finds its SQL and rules as
# package data.
CHECKOUT = Path(__file__).resolve().parents[1]
SHARED_FORMATS = CHECKOUT.parent / "shared" / "formats"


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


def free_port() -> int:
    """A loopback port nobody holds now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
