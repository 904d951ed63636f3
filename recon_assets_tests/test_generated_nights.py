"""Fourteen generated nights through the real Dagster graph: exactly the injected breaks."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from recon_assets.generator import INJECTION_KINDS, generate
from recon_assets.rules import load_rules
from recon_assets.runner import dagster_instance, materialize_night
from recon_assets.settings import PROJECT_ROOT, Settings
from recon_assets.warehouse import DuckDBWarehouse
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
            if not c.passed and c.check_name != "delivered"
        ]
        assert failed == []


def test_zero_injections_tie_every_leg(tmp_path):
    landing = tmp_path / "landing"
    generate(landing, START, 6, 20, seed=5, breaks={})
    warehouse = DuckDBWarehouse(database=str(tmp_path / "recon.duckdb"))
    nights = reconcile(warehouse, landing, load_rules(PROJECT_ROOT / "rules"), 6, first=START)
    _, expected = _expected(landing)
    assert {c for n in nights for c in n["class"]} <= {"timing"}
    assert _reported(warehouse) == expected
