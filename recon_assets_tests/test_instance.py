"""The Dagster instance the product writes: its run queue makes UI launches nightly runs."""

from __future__ import annotations

import dagster as dg

from recon_assets.instance import write_instance_config
from recon_assets.run_coordinator import NightlyJobRunCoordinator


def test_the_instance_queues_runs_through_the_nightly_coordinator(tmp_path):
    write_instance_config(tmp_path / "dagster")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    coordinator = instance.run_coordinator
    assert isinstance(coordinator, NightlyJobRunCoordinator)
    # One run at a time: the embedded DuckDB file takes one writer.
    assert coordinator.get_run_queue_config().max_concurrent_runs == 1
    assert not instance.telemetry_enabled


def test_an_earlier_default_is_upgraded_and_a_written_one_kept(tmp_path):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    write_instance_config(earlier)
    assert "NightlyJobRunCoordinator" in (earlier / "dagster.yaml").read_text(encoding="utf-8")
    own = tmp_path / "own"
    own.mkdir()
    text = "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 4\n"
    (own / "dagster.yaml").write_text(text, encoding="utf-8")
    write_instance_config(own)
    assert (own / "dagster.yaml").read_text(encoding="utf-8") == text
