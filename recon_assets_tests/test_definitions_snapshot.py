"""The graph's shape, checked in (as dagster-open-platform does): asset keys, groups, owners,
kinds, lineage, partitions, checks and whether each blocks, the job, schedule, sensors and
resources. Any change to the graph shows in review as a change to definitions_snapshot.json.

After a deliberate change, rewrite the file and review its diff:

    .venv/bin/python -m recon_assets_tests.test_definitions_snapshot
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from pathlib import Path
from typing import Any

import dagster as dg

from recon_assets.definitions import build_definitions
from recon_assets.settings import DEFAULT_RULES_DIR, Settings

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")
UPDATE = "python -m recon_assets_tests.test_definitions_snapshot"


def snapshot_settings() -> Settings:
    """Fixed settings, so that the snapshot depends on the code and default rules only."""
    return dataclasses.replace(
        Settings.from_env(),
        rules_dir=DEFAULT_RULES_DIR,
        timezone="Europe/London",
        warehouse="duckdb",
        start_date="2024-01-01",
        schedule_running=True,
    )


def partitions(definition: dg.PartitionsDefinition | None) -> dict[str, Any] | None:
    if not isinstance(definition, dg.TimeWindowPartitionsDefinition):
        return None if definition is None else {"type": type(definition).__name__}
    return {
        "type": type(definition).__name__,
        "start": definition.start.isoformat(),
        "timezone": definition.timezone,
        "cron": definition.cron_schedule,
        "end_offset": definition.end_offset,
    }


def snapshot(defs: dg.Definitions) -> dict[str, Any]:
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "owners": list(node.owners),
            "kinds": sorted(node.kinds),
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partition_mappings": {
                parent.to_user_string(): repr(mapping)
                for parent, mapping in sorted(node.partition_mappings.items())
            },
            "partitions": partitions(node.partitions_def),
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "checks": {
                check.name: {"blocking": graph.get_check_spec(check).blocking}
                for check in sorted(node.check_keys)
            },
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in repo.get_all_jobs() if not job.name.startswith("__")),
        "schedules": {
            s.name: {
                "job": s.job_name,
                "cron": s.cron_schedule,
                "timezone": s.execution_timezone,
                "default_status": s.default_status.value,
            }
            for s in sorted(repo.schedule_defs, key=lambda s: s.name)
        },
        "sensors": sorted(sensor.name for sensor in repo.sensor_defs),
        "resources": sorted(repo.get_top_level_resources()),
    }


def as_text(shape: dict[str, Any]) -> str:
    return json.dumps(shape, indent=2, sort_keys=True) + "\n"


def test_the_graph_is_the_one_checked_in():
    current = as_text(snapshot(build_definitions(snapshot_settings())))
    recorded = SNAPSHOT.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            recorded.splitlines(keepends=True),
            current.splitlines(keepends=True),
            "definitions_snapshot.json (checked in)",
            "the graph as built now",
        )
    )
    assert not diff, f"The graph changed; if that is meant, run `{UPDATE}`:\n{diff}"


if __name__ == "__main__":
    SNAPSHOT.write_text(as_text(snapshot(build_definitions(snapshot_settings()))), "utf-8")
    print(f"Wrote {SNAPSHOT}: review its diff before committing.")
