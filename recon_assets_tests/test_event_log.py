"""Dagster's run record as the product's instance keeps it (event_log.py): the same events
as Dagster's own SQLite storage, in the same folder, with its connections kept."""

from __future__ import annotations

import dagster as dg
import yaml

from recon_assets import event_log
from recon_assets.event_log import KEPT_ENGINES, PooledSqliteEventLogStorage
from recon_assets.instance import write_instance_config

NIGHTS = dg.DailyPartitionsDefinition(start_date="2026-03-01")


@dg.asset(partitions_def=NIGHTS)
def night_total() -> dg.MaterializeResult:
    """A night's total (a stand-in asset)."""
    return dg.MaterializeResult(metadata={"total": 7})


def _materialize(instance: dg.DagsterInstance, night: str) -> dg.ExecuteInProcessResult:
    return dg.materialize([night_total], instance=instance, partition_key=night)


def _nights_recorded(instance: dg.DagsterInstance) -> list[str]:
    records = instance.fetch_materializations(night_total.key, limit=100).records
    return sorted(r.asset_materialization.partition for r in records)


def test_the_product_instance_records_runs_in_dagsters_own_folder(tmp_path):
    home = tmp_path / "dagster"
    # An instance from before: Dagster's own event log storage, a night recorded.
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as before:
        first = _materialize(before, "2026-03-01")
        assert type(before.event_log_storage).__name__ == "SqliteEventLogStorage"
    write_instance_config(home)
    written = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert written["event_log_storage"]["config"] == {
        "base_dir": str(home.resolve() / "history" / "runs")
    }
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        second = _materialize(instance, "2026-03-02")
        assert second.success
        # The run recorded before is still there, beside the new one, with its events.
        assert _nights_recorded(instance) == ["2026-03-01", "2026-03-02"]
        kinds = {e.dagster_event_type for e in instance.all_logs(first.run_id)}
        assert dg.DagsterEventType.STEP_SUCCESS in kinds
        assert dg.DagsterEventType.RUN_SUCCESS in kinds


def test_a_home_moved_elsewhere_gets_its_run_folder_rewritten(tmp_path):
    home = tmp_path / "dagster"
    write_instance_config(home)
    moved = tmp_path / "moved"
    home.rename(moved)
    write_instance_config(moved)
    written = yaml.safe_load((moved / "dagster.yaml").read_text(encoding="utf-8"))
    assert written["event_log_storage"]["config"]["base_dir"] == str(
        moved.resolve() / "history" / "runs"
    )


def test_connections_are_kept_for_a_few_files_and_commit_without_a_full_sync(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.index_connection():
        index = storage._engines["index"]
    for shard in [f"run{i}" for i in range(KEPT_ENGINES + 2)]:
        with storage.run_connection(shard) as conn:
            # SQLite's synchronous: 1 is NORMAL (Dagster's default connection: 2, FULL).
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with storage.index_connection():  # a run writes its own file and the index
            pass
    # The least recently used file's engine is closed; the index, used all along, is kept.
    assert len(storage._engines) == KEPT_ENGINES
    assert list(storage._engines)[-2:] == [f"run{KEPT_ENGINES + 1}", "index"]
    assert storage._engines["index"] is index
    assert "run0" not in storage._engines
    storage.dispose()
    assert not storage._engines


def test_runs_recorded_through_kept_connections_read_back_and_wipe(tmp_path, monkeypatch):
    connections = []
    real = event_log.create_engine
    monkeypatch.setattr(
        event_log, "create_engine", lambda *a, **k: connections.append(a[0]) or real(*a, **k)
    )
    write_instance_config(tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        runs = [_materialize(instance, night) for night in ("2026-03-01", "2026-03-02")]
        assert all(run.success for run in runs)
        assert _nights_recorded(instance) == ["2026-03-01", "2026-03-02"]
        # One engine per file written (each run's and the index), not one per event.
        assert len(connections) == len(set(connections)) == 3
        instance.wipe()
        assert _nights_recorded(instance) == []
        assert _materialize(instance, "2026-03-03").success
        assert _nights_recorded(instance) == ["2026-03-03"]


def test_a_table_not_found_is_asked_for_again(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    assert not storage.has_table("night_notes")
    with storage.index_connection() as conn:
        conn.exec_driver_sql("CREATE TABLE night_notes (note TEXT)")
    assert storage.has_table("night_notes")
    assert storage.has_table("event_logs")
    storage.dispose()
