"""DuckDB's memory is bounded by settings, and spills under RECON_HOME rather than growing."""

from __future__ import annotations

import os
from pathlib import Path

from recon_assets.resources import build_warehouse
from recon_assets.settings import Settings


def test_memory_limit_and_temp_directory_come_from_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("RECON_HOME", str(tmp_path))
    monkeypatch.setenv("RECON_DUCKDB_MEMORY_LIMIT", "300MB")
    settings = Settings.from_env()
    with build_warehouse(settings).session() as session:
        found = session.query(
            "SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t"
        ).iloc[0]
    assert found["m"] == "286.1 MiB"  # DuckDB shows 300 MB in MiB
    assert Path(found["t"]) == tmp_path / "duckdb_tmp"


def test_the_default_limit_is_a_quarter_of_the_machine_at_most_3_gb(tmp_path, monkeypatch):
    monkeypatch.setenv("RECON_HOME", str(tmp_path))
    monkeypatch.delenv("RECON_DUCKDB_MEMORY_LIMIT", raising=False)
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert (
        Settings.from_env().duckdb_config["memory_limit"] == f"{min(machine // 4 // 2**20, 3072)}MB"
    )
