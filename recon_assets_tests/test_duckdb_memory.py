"""The embedded DuckDB: its memory is bounded by settings and spills under RECON_HOME rather
than growing; a run holds its file open while it runs, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from recon_assets.resources import build_warehouse
from recon_assets.settings import Settings
from recon_assets.warehouse_duckdb import DuckDBWarehouse


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


def _another_process_opens(database: Path) -> bool:
    opens = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    return subprocess.run([sys.executable, "-c", opens, str(database)]).returncode == 0


def test_a_run_holds_its_file_between_sessions_and_lets_go_when_it_ends(tmp_path):
    database = tmp_path / "recon.duckdb"
    between_sessions: list[bool] = []

    @dg.asset
    def two_sessions(warehouse: DuckDBWarehouse) -> None:
        for value in (1, 2):
            with warehouse.session() as session:
                session.execute(f"CREATE OR REPLACE TABLE t AS SELECT {value} AS v")
            between_sessions.append(_another_process_opens(database))

    result = dg.materialize(
        [two_sessions], resources={"warehouse": DuckDBWarehouse(database=str(database))}
    )
    assert result.success
    assert between_sessions == [False, False]
    assert _another_process_opens(database)


def test_a_run_merges_its_write_ahead_log_into_the_file_once_it_lets_go(tmp_path, monkeypatch):
    """Past DuckDB's default 16 MB the log would be merged mid-run, rewriting rows a run
    stages and then deletes as it publishes; the run's log is merged as it lets go."""
    monkeypatch.setenv("RECON_HOME", str(tmp_path))
    warehouse = build_warehouse(Settings.from_env())
    wal = Path(warehouse.database + ".wal")
    logged: list[int] = []

    @dg.asset
    def forty_megabytes(warehouse: DuckDBWarehouse) -> None:
        with warehouse.session() as session:
            session.execute("CREATE TABLE notes (n INTEGER, text VARCHAR)")
            # Many small commits, each logged, as a night's staged writes are.
            for start in range(0, 40_000, 1_000):
                session.execute(
                    "INSERT INTO notes SELECT i, repeat(md5(i::VARCHAR), 32) "
                    f"FROM range({start}, {start + 1_000}) AS r(i)"
                )
        logged.append(wal.stat().st_size if wal.exists() else 0)

    assert dg.materialize([forty_megabytes], resources={"warehouse": warehouse}).success
    assert logged[0] > 32 * 2**20
    assert not wal.exists()
    with warehouse.session() as session:
        assert session.query("SELECT COUNT(*) AS n FROM notes")["n"].iloc[0] == 40_000
        threshold = session.query("SELECT current_setting('checkpoint_threshold') AS c")
    assert threshold["c"].iloc[0] == "953.6 MiB"  # 1 GB, as DuckDB shows it
