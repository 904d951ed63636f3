"""The code location loads, and its shape is the one DESIGN.md section 2 promises."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import dagster as dg

from recon_assets.definitions import build_definitions, defs
from recon_assets.jobs import NIGHTLY_JOB
from recon_assets.partitions import build_daily_partitions
from recon_assets.rules import load_rules
from recon_assets.settings import Settings, store_start_date
from recon_assets.sources.assets import MATCHES_CANONICAL_SCHEMA
from recon_assets.sources.catalog import SOURCES


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()} >= {
        *(s.name for s in SOURCES),
        # The audit trail a trace reads, written by the matching and classifying steps.
        "leg_facts",
        "fact_records",
        "entity_records",
        "break_resolutions",
        "classified_variances_history",
    }


def test_every_asset_is_daily_partitioned_in_the_retailer_timezone_owned_and_described():
    settings = Settings.from_env()
    partitions = build_daily_partitions(settings)
    owners = load_rules(settings.rules_dir).owners
    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def == partitions, key
        assert node.description and "\n" not in node.description.strip(), key  # one line
        assert node.owners == [f"team:{owners.of_asset(key.to_user_string())}"], key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    assert partitions.timezone == "Europe/London"
    assert graph.get(dg.AssetKey("ledger_entries")).owners == ["team:finance-systems"]
    # A backfill from the job's page is one run over the range because the job has it too.
    assert defs.resolve_job_def(NIGHTLY_JOB).backfill_policy == dg.BackfillPolicy.single_run()


def test_partitions_start_at_the_settings_first_night(tmp_path, monkeypatch):
    monkeypatch.delenv("RECON_START_DATE", raising=False)
    monkeypatch.setenv("RECON_HOME", str(tmp_path))
    assert Settings.from_env().start_date == "2024-01-01"
    store_start_date(tmp_path, "2026-11-22")  # what `recon demo` leaves
    settings = Settings.from_env()
    built = build_definitions(settings).get_repository_def().asset_graph
    assert built.get(dg.AssetKey("matched_ledger")).partitions_def.start.date().isoformat() == (
        "2026-11-22"
    )
    monkeypatch.setenv("RECON_START_DATE", "2026-01-01")  # configured: wins
    assert Settings.from_env().start_date == "2026-01-01"


# Words of Dagster, not of the retailer: a description that needs them was written by Dagster
# ("Evaluates freshness for targeted asset.") or speaks to the wrong reader.
DAGSTER_WORDS = re.compile(
    r"\b(assets?|materiali[sz]\w*|partitions?|freshness|targeted|ops?)\b", re.I
)


def _described(what: str, description: str | None) -> None:
    assert description, f"{what} has no description"
    text = description.strip()
    assert "\n" not in text and len(text) <= 140, f"{what}: not one line: {description!r}"
    assert not DAGSTER_WORDS.search(text), f"{what}: Dagster's words: {description!r}"


def test_every_check_job_schedule_and_sensor_says_in_one_line_what_it_does_for_the_retailer():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    for key in graph.asset_check_keys:
        _described(f"check {key.to_user_string()}", graph.get_check_spec(key).description)
    # Dagster's own implicit job (__ASSET_JOB) is not ours to describe.
    for job in repo.get_all_jobs():
        if not job.name.startswith("__"):
            _described(f"job {job.name}", job.description)
    for schedule in repo.schedule_defs:
        _described(f"schedule {schedule.name}", schedule.description)
    for sensor in repo.sensor_defs:
        _described(f"sensor {sensor.name}", sensor.description)
    assert {sensor.name for sensor in repo.sensor_defs} == {
        "reconciliation_failure_alert",
        "report_deadline_alert",
    }


def test_every_check_is_per_night():
    graph = defs.get_repository_def().asset_graph
    partitions = build_daily_partitions(Settings.from_env())
    for key in graph.asset_check_keys:
        # A check without the night would read the wall clock or whichever night ran last.
        assert graph.get_check_spec(key).partitions_def == partitions, key
    night_checks = {
        (k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking
        for k in graph.asset_check_keys
    }
    assert night_checks[("exception_report", "night_is_clean")] is False
    assert night_checks[("exception_report", "no_new_genuine_errors")] is False
    assert night_checks[("matched_ledger", "history_is_complete")] is True
    job = defs.resolve_job_def("nightly_reconciliation")
    assert set(job.asset_layer.asset_graph.asset_check_keys) == set(graph.asset_check_keys)


def test_the_schedule_runs_unless_told_not_to(monkeypatch):
    schedule = defs.resolve_schedule_def("nightly_reconciliation_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == NIGHTLY_JOB
    assert schedule.description
    monkeypatch.setenv("RECON_SCHEDULE", "stopped")
    stopped = build_definitions(Settings.from_env())
    assert (
        stopped.resolve_schedule_def("nightly_reconciliation_schedule").default_status
        == dg.DefaultScheduleStatus.STOPPED
    )


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
        "from recon_assets.definitions import defs;"
        "print(sorted({k for a in defs.assets for s in a.specs for k in s.kinds}))"
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
