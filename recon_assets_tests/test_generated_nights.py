"""Fourteen generated nights through the real Dagster graph: exactly the injected breaks."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pytest

from recon_assets.generator import INJECTION_KINDS, generate
from recon_assets.money import format_money, to_major
from recon_assets.reconciliation.exceptions import night_information
from recon_assets.reporting.assets import NO_NEW_GENUINE_ERRORS
from recon_assets.reporting.facts import gather_facts
from recon_assets.reporting.narrative import break_line, build_narrative, render_markdown
from recon_assets.rules import load_rules
from recon_assets.runner import dagster_instance, materialize_night
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.books import reconcile

START = date(2026, 3, 20)  # the range crosses the clocks going forward in Europe/London
NIGHTS = 14


def _reported(warehouse: DuckDBWarehouse) -> set[tuple[str, str, str, str]]:
    got = warehouse.query(
        "SELECT CAST(recon_date AS VARCHAR) AS d, check_name, key, class FROM classified_variances"
    )
    return set(map(tuple, got.values.tolist()))


def _expected(landing) -> tuple[pd.DataFrame, set[tuple[str, str, str, str]]]:
    expected = pd.read_csv(landing / "expected_breaks.csv", dtype=str)
    return expected, set(map(tuple, expected[["recon_date", "check", "key", "class"]].values))


@pytest.fixture(scope="module")
def fourteen_nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("fourteen")
    landing = root / "landing"
    generate(landing, START, NIGHTS, 25, seed=11)
    patch = pytest.MonkeyPatch()
    patch.setenv("RECON_HOME", str(root / "home"))
    patch.setenv("RECON_LANDING_DIR", str(landing))
    patch.setenv("DAGSTER_HOME", str(root / "dagster"))
    patch.setenv("RECON_START_DATE", START.isoformat())
    settings = Settings.from_env()
    instance = dagster_instance(settings)
    results = [
        materialize_night(settings, (START + timedelta(days=i)).isoformat(), instance=instance)
        for i in range(NIGHTS)
    ]
    yield landing, DuckDBWarehouse(database=str(settings.duckdb_path)), results
    patch.undo()


def test_every_injected_kind_is_in_the_generated_range(fourteen_nights):
    landing, _, _ = fourteen_nights
    expected, _ = _expected(landing)
    assert set(expected.loc[expected["injected"] == "true", "kind"]) == set(INJECTION_KINDS)


def test_reported_breaks_equal_expected_breaks_night_by_night(fourteen_nights):
    landing, warehouse, _ = fourteen_nights
    _, expected = _expected(landing)
    reported = _reported(warehouse)
    # Precision and recall 1.0: nothing extra, nothing missing, on every night.
    assert reported - expected == set()
    assert expected - reported == set()


def test_every_output_check_passed_on_every_night(fourteen_nights):
    _, _, results = fourteen_nights
    for result in results:
        failed = [
            (c.asset_key.to_user_string(), c.check_name)
            for c in result.get_asset_check_evaluations()
            # Warnings say the night is not clean, which injected breaks make it; errors are
            # what the reconciliation itself must never raise.
            if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert failed == []


def test_a_night_with_new_genuine_errors_warns_and_its_run_succeeds(fourteen_nights):
    _, warehouse, results = fourteen_nights
    genuine = warehouse.query(
        "SELECT recon_date, break_id FROM classified_variances WHERE class = 'genuine_error'"
    )
    nights = pd.to_datetime(genuine["recon_date"]).dt.date
    by_night = {night: set(ids) for night, ids in genuine.groupby(nights)["break_id"]}
    warned = []
    for i, result in enumerate(results):
        night = START + timedelta(days=i)
        new = by_night.get(night, set()) - by_night.get(night - timedelta(days=1), set())
        [evaluation] = [
            c for c in result.get_asset_check_evaluations() if c.check_name == NO_NEW_GENUINE_ERRORS
        ]
        assert result.success and evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.passed == (not new), night
        assert evaluation.partition == night.isoformat()
        warned += [] if evaluation.passed else [night]
    # The injected breaks give new genuine errors on some nights, not on every one.
    assert 0 < len(warned) < NIGHTS


def test_zero_injections_tie_every_leg(tmp_path):
    landing = tmp_path / "landing"
    generate(landing, START, 6, 20, seed=5, breaks={})
    warehouse = DuckDBWarehouse(database=str(tmp_path / "recon.duckdb"))
    nights = reconcile(warehouse, landing, load_rules(DEFAULT_RULES_DIR), 6, first=START)
    _, expected = _expected(landing)
    assert {c for n in nights for c in n["class"]} <= {"timing"}
    assert _reported(warehouse) == expected


def test_report_counts_add_up_and_chargebacks_are_information_not_breaks(fourteen_nights):
    landing, warehouse, _ = fourteen_nights
    rules = load_rules(DEFAULT_RULES_DIR)
    chargebacks = 0
    for i in range(NIGHTS):
        night = START + timedelta(days=i)
        facts = gather_facts(warehouse, night, first_night=START, next_steps=rules.next_steps)
        # Tied, in flight and needing a person split the orders touched tonight exactly.
        assert facts.orders_touched == (
            facts.orders_tied + facts.orders_in_flight + facts.orders_needing_a_person
        )
        assert facts.first_night == (i == 0) and facts.history_complete
        # Every line that needs a person shows its money when it has any, and a next step.
        lines = {line for g in build_narrative(facts).groups for line in g.lines}
        for brk in facts.needs_a_person:
            line = break_line(brk)
            assert line in lines and f" Next: {brk.next_step} Owner: " in line
            if brk.currency and brk.amount_minor:
                assert line.startswith(f"{format_money(brk.amount_minor, brk.currency)} at stake.")
        delivered = pd.read_csv(landing / "processor_transactions" / f"{night}.csv", dtype=str)
        expected = delivered[delivered["txn_type"] == "chargeback"]["psp_reference"]
        assert sorted(c.psp_reference for c in facts.chargebacks) == sorted(expected)
        info = night_information(warehouse, night, "payments-ops")
        assert {i["key"] for i in info} == set(expected)
        assert {i["class"] for i in info} <= {"information"}
        # Never a break itself; like any transaction it only needs its settlement line.
        assert {b.check for b in facts.breaks if b.key in set(expected)} <= {
            "capture_vs_settlement"
        }
        text = render_markdown(build_narrative(facts))
        assert all(f"payment {psp})" in text for psp in expected)
        chargebacks += len(expected)
    assert chargebacks  # the generated world has chargebacks to list


def classified_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dg.MetadataValue]:
    """The metadata of classified_variances itself, not of the audit-trail tables its step
    also materialises."""
    [event] = [
        m
        for m in result.asset_materializations_for_node("classified_variances")
        if m.asset_key == dg.AssetKey("classified_variances")
    ]
    return event.metadata


def test_classified_variances_metadata_is_numbers_per_class_and_currency_and_a_table(
    fourteen_nights,
):
    """What the UI plots night by night, checked against the stored breaks of each night."""
    _, warehouse, results = fourteen_nights
    stored = warehouse.query(
        "SELECT CAST(recon_date AS VARCHAR) AS night, class AS klass, currency, "
        "count(*) AS breaks, sum(amount_minor) AS at_stake FROM classified_variances "
        "GROUP BY ALL"
    )
    for i, result in enumerate(results):
        night = (START + timedelta(days=i)).isoformat()
        metadata = classified_metadata(result)
        tonight = stored[stored["night"] == night]
        for klass in ("timing", "mapping", "genuine_error", "known_accepted"):
            counted = metadata[f"breaks {klass}"]
            assert isinstance(counted, dg.IntMetadataValue)
            assert counted.value == tonight.loc[tonight["klass"] == klass, "breaks"].sum()
        for row in tonight[tonight["currency"].notna()].itertuples():
            stake = metadata[f"at stake {row.klass} {row.currency}"]
            assert isinstance(stake, dg.FloatMetadataValue)
            assert stake.value == float(to_major(int(row.at_stake), row.currency))
        table = metadata["top breaks"]
        assert isinstance(table, dg.MarkdownMetadataValue)
        person = tonight[tonight["klass"].isin(["genuine_error", "mapping"])]
        if person.empty:
            assert table.value == "No break needs a person tonight."
        else:
            assert table.value.startswith("| money at stake | check | class |")
    # The generated world puts money at stake in front of a person on some night.
    assert any("| GBP " in classified_metadata(r)["top breaks"].value for r in results)
