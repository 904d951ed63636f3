"""The code location loads, and its shape is the one DESIGN.md section 2 promises."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import dagster as dg

from recon_assets.definitions import defs
from recon_assets.partitions import daily_partitions
from recon_assets.sources.assets import MATCHES_CANONICAL_SCHEMA
from recon_assets.sources.catalog import SOURCES


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()} >= {
        s.name for s in SOURCES
    }


def test_every_asset_is_daily_partitioned_in_the_retailer_timezone_and_described():
    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def == daily_partitions, key
        assert node.description, key
    assert daily_partitions.timezone == "Europe/London"


def test_every_source_has_a_blocking_schema_check():
    graph = defs.get_repository_def().asset_graph
    for spec in SOURCES:
        check_key = dg.AssetCheckKey(dg.AssetKey(spec.name), MATCHES_CANONICAL_SCHEMA)
        assert graph.get_check_spec(check_key).blocking, spec.name


def test_nightly_schedule_runs_yesterday_at_two_local():
    schedule = defs.resolve_schedule_def("nightly_reconciliation_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    tick = datetime.fromisoformat("2026-03-30T02:00:00+01:00")
    context = dg.build_schedule_context(scheduled_execution_time=tick)
    [request] = list(schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-03-29"


def test_dagster_definitions_validate_cli_passes():
    dagster = [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"]
    completed = subprocess.run(dagster, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_asset_kinds_name_the_configured_warehouse(monkeypatch):
    # Kinds are fixed when the code location is imported, hence a fresh interpreter each.
    listing = (
        "from recon_assets.definitions import all_assets;"
        "print(sorted({k for a in all_assets for s in a.specs for k in s.kinds}))"
    )
    monkeypatch.setenv("RECON_BQ_PROJECT", "acme-finance")
    monkeypatch.setenv("RECON_BQ_DATASET", "recon")
    kinds = {}
    for warehouse in ("duckdb", "bigquery"):
        monkeypatch.setenv("RECON_WAREHOUSE", warehouse)
        completed = subprocess.run(
            [sys.executable, "-c", listing], capture_output=True, text=True, check=True
        )
        kinds[warehouse] = completed.stdout
    assert "'duckdb'" in kinds["duckdb"] and "'bigquery'" not in kinds["duckdb"]
    assert "'bigquery'" in kinds["bigquery"] and "'duckdb'" not in kinds["bigquery"]
