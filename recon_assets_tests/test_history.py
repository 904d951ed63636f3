"""A night is never reconciled without its history (issue 9): catch-up, refusal, stale files,
gaps, the blocking check, and the first night labelled in the report."""

from __future__ import annotations

import json
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest
from dagster._core.errors import DagsterAssetCheckFailedError
from typer.testing import CliRunner

from recon_assets import runner as runner_module
from recon_assets.cli import app
from recon_assets.generator import generate
from recon_assets.history import HistoryIncomplete, nights_to_reconcile
from recon_assets.runner import contiguous, materialize_night, materialize_range
from recon_assets.settings import Settings

START = date(2026, 5, 4)  # the settings fixture's RECON_START_DATE
NIGHTS = [START + timedelta(days=i) for i in range(3)]
LAST = NIGHTS[-1].isoformat()
runner = CliRunner()


@pytest.fixture
def landing(settings):
    breaks = {"not_captured": 1, "ledger_not_posted": 1, "not_shipped": 1}
    generate(settings.landing_dir, START, len(NIGHTS), 5, seed=3, breaks=breaks)
    return settings.landing_dir


def _exceptions(night: str) -> list[dict]:
    result = runner.invoke(app, ["exceptions", "--date", night])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_run_of_the_last_night_catches_up_and_equals_a_night_by_night_backfill(
    settings, landing, tmp_path, monkeypatch
):
    caught_up = runner.invoke(app, ["run", "--date", LAST])
    assert caught_up.exit_code == 0, caught_up.output
    assert f"Catching up 2 earlier night(s) first: {START} to {NIGHTS[-2]}." in caught_up.output
    alone = _exceptions(LAST)
    assert any(b["class"] == "genuine_error" for b in alone)

    monkeypatch.setenv("RECON_HOME", str(tmp_path / "backfilled"))
    result = runner.invoke(app, ["backfill", "--start", str(START), "--end", LAST])
    assert result.exit_code == 0, result.output
    assert _exceptions(LAST) == alone  # the same breaks, byte for byte

    # Nothing changed since: the next run reconciles only the night asked for.
    again = runner.invoke(app, ["run", "--date", LAST])
    assert again.exit_code == 0 and "Catching up" not in again.output


def test_no_catch_up_refuses_with_one_line_naming_the_first_missing_night(settings, landing):
    result = runner.invoke(app, ["run", "--date", LAST, "--no-catch-up"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Cannot reconcile {LAST} without its history: {START} is not reconciled with the "
        f"current landing files ({START} to {NIGHTS[-2]}, 2 night(s)); run without "
        "--no-catch-up to reconcile them first."
    ]
    assert not (settings.reports_dir / f"{LAST}.md").exists()


def test_a_changed_file_makes_its_night_and_every_later_one_stale(settings, landing, warehouse):
    first = date.fromisoformat(settings.start_date)
    assert runner.invoke(app, ["backfill", "--start", str(START), "--end", LAST]).exit_code == 0
    assert nights_to_reconcile(warehouse, landing, first, NIGHTS[-1]) == [NIGHTS[-1]]
    shipments = landing / "shipments" / f"{NIGHTS[1]}.csv"
    header, *rows = shipments.read_text().splitlines()
    shipments.write_text("\n".join([header, *rows[1:]]) + "\n")  # a parcel removed
    assert nights_to_reconcile(warehouse, landing, first, NIGHTS[-1]) == NIGHTS[1:]


def test_a_night_with_no_files_that_was_never_reconciled_breaks_the_chain(
    settings, landing, warehouse
):
    for path in landing.glob(f"*/{NIGHTS[1]}.csv"):
        path.unlink()
    first = date.fromisoformat(settings.start_date)
    with pytest.raises(HistoryIncomplete, match=f"night {NIGHTS[1]} has no landing files"):
        nights_to_reconcile(warehouse, landing, first, NIGHTS[-1])
    result = runner.invoke(app, ["run", "--date", LAST])
    assert result.exit_code == 2
    assert result.output.startswith(f"Cannot reconcile {LAST}: night {NIGHTS[1]} has no landing")
    with pytest.raises(HistoryIncomplete, match="before the first night"):
        nights_to_reconcile(warehouse, landing, first, START - timedelta(days=1))


def test_blocking_check_stops_a_night_whose_previous_night_was_not_reconciled(
    settings, landing, warehouse
):
    """As the UI or the schedule would run it: no catch-up, the check fails, nothing stored."""
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(DagsterAssetCheckFailedError, match="history_is_complete"):
        materialize_night(settings, NIGHTS[1].isoformat(), instance=instance)
    [evaluation] = [
        e.dagster_event.event_specific_data
        for e in instance.all_logs(
            instance.get_runs()[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
        if e.dagster_event.event_specific_data.check_name == "history_is_complete"
    ]
    assert not evaluation.passed
    assert warehouse.query("SELECT COUNT(*) AS n FROM leg_facts")["n"].iloc[0] == 0
    assert not (settings.reports_dir / f"{NIGHTS[1]}.md").exists()

    # The first night needs no night before it, and its report says it is the first.
    assert materialize_night(settings, START.isoformat(), instance=instance).success
    report = (settings.reports_dir / f"{START}.md").read_text()
    assert f"{START} is the first night (RECON_START_DATE)" in report
    assert materialize_night(settings, NIGHTS[1].isoformat(), instance=instance).success
    assert "first night" not in (settings.reports_dir / f"{NIGHTS[1]}.md").read_text()


def test_one_run_over_a_range_equals_the_nights_run_one_by_one(
    settings, landing, tmp_path, monkeypatch
):
    """A backfill is one run that takes each step's nights in date order: it must give what
    night after night gives, byte for byte."""
    instance = dg.DagsterInstance.ephemeral()
    materialize_range(settings, str(NIGHTS[0]), LAST, instance=instance)
    as_range = {str(n): _exceptions(str(n)) for n in NIGHTS}

    monkeypatch.setenv("RECON_HOME", str(tmp_path / "night-by-night"))
    one_by_one = Settings.from_env()
    for night in NIGHTS:
        materialize_night(one_by_one, str(night), instance=dg.DagsterInstance.ephemeral())
    assert {str(n): _exceptions(str(n)) for n in NIGHTS} == as_range
    assert any(as_range.values())


def test_a_long_range_is_taken_a_month_at_a_time():
    days = [(START + timedelta(days=i)).isoformat() for i in (*range(70), 80, 81)]
    spans = contiguous(days)
    assert spans == [
        (days[0], days[30]),
        (days[31], days[61]),
        (days[62], days[69]),
        (days[70], days[71]),
    ]
    assert all(date.fromisoformat(b) - date.fromisoformat(a) < timedelta(31) for a, b in spans)


def _stored(home) -> dict[str, object]:
    """What a night leaves behind that does not name its run: the audit trail and reports."""
    with duckdb.connect(str(home / "recon.duckdb"), read_only=True) as con:
        tables = {
            table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in (
                "leg_facts",
                "fact_records",
                "entity_records",
                "matched_ledger",
                "classified_variances",
            )
        }
    reports = {p.name: p.read_bytes() for p in sorted((home / "reports").glob("*.md"))}
    return {**tables, **reports}


def test_a_backfill_in_several_runs_stores_what_one_run_does(
    settings, landing, tmp_path, monkeypatch
):
    result = runner.invoke(app, ["backfill", "--start", str(START), "--end", LAST])
    assert result.exit_code == 0, result.output
    one_run = _stored(settings.home)

    monkeypatch.setattr(runner_module, "NIGHTS_PER_RUN", 2)
    monkeypatch.setenv("RECON_HOME", str(tmp_path / "in_runs"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "in_runs" / "dagster"))
    result = runner.invoke(app, ["backfill", "--start", str(START), "--end", LAST])
    assert result.exit_code == 0, result.output
    with dg.DagsterInstance.from_config(str(tmp_path / "in_runs" / "dagster")) as instance:
        assert len(instance.get_runs()) == 2  # nights 1-2, then night 3
    assert _stored(tmp_path / "in_runs") == one_run
