"""The Dagster instance's dagster.yaml that the product writes under `$RECON_HOME/dagster`
(and `make dev` before it starts): what makes a run from the UI a night like the CLI's."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

INSTANCE_CONFIG = {
    # No usage statistics leave a retailer's machine unless someone opts in.
    "telemetry": {"enabled": False},
    "run_coordinator": {
        "module": "recon_assets.run_coordinator",
        "class": "NightlyJobRunCoordinator",
        # One run at a time: the embedded DuckDB file takes a single writing process, and
        # nights must be reconciled in date order.
        "config": {"max_concurrent_runs": 1},
    },
    # A run doing a whole asset backfill tells the backfill so (run_coordinator.py).
    "run_launcher": {"module": "recon_assets.run_coordinator", "class": "NightlyRunLauncher"},
    # Dagster's SQLite run record, its connections kept (event_log.py). Its folder is
    # Dagster's default one, so the runs recorded before stay in the UI.
    "event_log_storage": {
        "module": "recon_assets.event_log",
        "class": "PooledSqliteEventLogStorage",
        "config": {"base_dir": None},
    },
}
# What earlier versions wrote: replaced, since nobody edited it.
EARLIER_CONFIGS = (
    {"telemetry": {"enabled": False}},
    {key: INSTANCE_CONFIG[key] for key in ("telemetry", "run_coordinator")},
    {key: INSTANCE_CONFIG[key] for key in ("telemetry", "run_coordinator", "run_launcher")},
)


def instance_config(dagster_home: Path) -> dict:
    """INSTANCE_CONFIG for the instance at `dagster_home`: the run record's folder in it."""
    event_log = INSTANCE_CONFIG["event_log_storage"]
    runs = str(dagster_home.resolve() / "history" / "runs")
    return {**INSTANCE_CONFIG, "event_log_storage": {**event_log, "config": {"base_dir": runs}}}


def _as_written_by_us(config) -> bool:
    """An earlier version's, or this version's for any folder (the home may have moved)."""
    if isinstance(config, dict) and isinstance(config.get("event_log_storage"), dict):
        event_log = {**config["event_log_storage"], "config": {"base_dir": None}}
        config = {**config, "event_log_storage": event_log}
    return config in (*EARLIER_CONFIGS, INSTANCE_CONFIG)


def write_instance_config(dagster_home: Path) -> None:
    """Writes dagster.yaml unless someone wrote their own (README: what it must contain)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    if path.exists() and not _as_written_by_us(yaml.safe_load(path.read_text(encoding="utf-8"))):
        return
    config = yaml.safe_dump(instance_config(dagster_home), sort_keys=False)
    path.write_text(config, encoding="utf-8")


if __name__ == "__main__":
    write_instance_config(Path(sys.argv[1]))
