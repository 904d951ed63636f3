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
}
# What earlier versions wrote: replaced, since nobody edited it.
EARLIER_CONFIGS = (
    {"telemetry": {"enabled": False}},
    {key: value for key, value in INSTANCE_CONFIG.items() if key != "run_launcher"},
)


def write_instance_config(dagster_home: Path) -> None:
    """Writes dagster.yaml unless someone wrote their own (README: what it must contain)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    if path.exists() and yaml.safe_load(path.read_text(encoding="utf-8")) not in EARLIER_CONFIGS:
        return
    path.write_text(yaml.safe_dump(INSTANCE_CONFIG, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    write_instance_config(Path(sys.argv[1]))
