"""Dagster's run record as `recon` keeps it (event_log.py): the same events as Dagster's own
SQLite storage, in the same folder, with its connections kept."""

from __future__ import annotations

import dagster as dg

from recon_assets import event_log
from recon_assets.event_log import KEPT_ENGINES, PooledSqliteEventLogStorage, instance_at
from recon_assets.instance import write_instance_config
from recon_assets.runner import dagster_instance
from recon_assets.settings import Settings

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


def test_recon_and_dagster_read_each_others_runs_in_one_folder(tmp_path):
    home = tmp_path / "dagster"
    write_instance_config(home)
    with dg.DagsterInstance.from_config(str(home)) as dagsters:  # as the UI opens it
        assert type(dagsters.event_log_storage) is not PooledSqliteEventLogStorage
        first = _materialize(dagsters, "2026-03-01")
    with instance_at(home) as recons:
        assert isinstance(recons.event_log_storage, PooledSqliteEventLogStorage)
        assert _materialize(recons, "2026-03-02").success
        # The run recorded before is there, beside the new one, with its events.
        assert _nights_recorded(recons) == ["2026-03-01", "2026-03-02"]
        kinds = {e.dagster_event_type for e in recons.all_logs(first.run_id)}
        assert {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.RUN_SUCCESS} <= kinds
    with dg.DagsterInstance.from_config(str(home)) as dagsters:
        assert _nights_recorded(dagsters) == ["2026-03-01", "2026-03-02"]
    # A home copied elsewhere records where it now is.
    copy = tmp_path / "copy"
    home.rename(copy)
    with instance_at(copy) as moved:
        assert _materialize(moved, "2026-03-03").success
        assert _nights_recorded(moved) == ["2026-03-01", "2026-03-02", "2026-03-03"]


def test_the_command_lines_instance_records_through_kept_connections(tmp_path, monkeypatch):
    monkeypatch.setenv("RECON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with dagster_instance(Settings.from_env()) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        assert instance.root_directory == str((tmp_path / "home" / "dagster").resolve())


def test_a_storage_named_in_dagster_yaml_is_left_as_written(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    named = "event_log_storage:\n  module: dagster._core.storage.event_log\n"
    named += f"  class: SqliteEventLogStorage\n  config:\n    base_dir: {tmp_path / 'own'}\n"
    (home / "dagster.yaml").write_text(named, encoding="utf-8")
    with instance_at(home) as instance:
        assert type(instance.event_log_storage) is not PooledSqliteEventLogStorage
        assert _materialize(instance, "2026-03-01").success
    assert (tmp_path / "own" / "index.db").exists()


def test_connections_are_kept_for_a_few_files_and_commit_without_a_full_sync(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.index_connection():
        index = storage._engines["index"]
    for shard in [f"run{i}" for i in range(KEPT_ENGINES + 2)]:
        with storage.run_connection(shard) as conn:
            # SQLite's synchronous: 1 is NORMAL (Dagster's connections: 2, FULL).
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
    engines = []
    real = event_log.create_engine
    monkeypatch.setattr(
        event_log, "create_engine", lambda *a, **k: engines.append(a[0]) or real(*a, **k)
    )
    write_instance_config(tmp_path / "dagster")
    with instance_at(tmp_path / "dagster") as instance:
        runs = [_materialize(instance, night) for night in ("2026-03-01", "2026-03-02")]
        assert all(run.success for run in runs)
        assert _nights_recorded(instance) == ["2026-03-01", "2026-03-02"]
        # One engine per file written (each run's and the index), not one per event.
        assert len(engines) == len(set(engines)) == 3
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
