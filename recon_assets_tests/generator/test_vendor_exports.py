"""Issue 13 point 6: the sample retailer's nights as vendor exports, converted and reconciled
through the command line, give exactly the breaks of the canonical path, break for break."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.generator import generate
from recon_assets.legs import CAPTURE_VS_SETTLEMENT
from recon_assets.reconciliation.exceptions import (
    INFORMATION,
    as_json,
    night_breaks,
    night_information,
)
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.books import reconcile

START = date(2026, 3, 24)  # crosses the clocks going forward in Europe/London (29 March)
NIGHTS = 9
ORDERS_PER_DAY = 14
SEED = 4
RULES = load_rules(DEFAULT_RULES_DIR)


def _without_evidence(text: str) -> list[dict]:
    """A break's evidence names record ids, which differ by construction (Stripe's txn_...,
    ShipStation's order:tracking, Xero's hashed entry ids); every other field must agree."""
    return [{k: v for k, v in brk.items() if k != "evidence"} for brk in json.loads(text)]


def test_vendor_exports_converted_give_the_canonical_breaks(tmp_path, monkeypatch):
    nights = [START + timedelta(days=i) for i in range(NIGHTS)]
    # The canonical path: landing files straight from the generator, reconciled as the
    # assets do.
    canonical = tmp_path / "canonical"
    generate(canonical, START, NIGHTS, ORDERS_PER_DAY, SEED)
    reference = DuckDBWarehouse(database=str(tmp_path / "canonical.duckdb"))
    reconcile(reference, canonical, RULES, NIGHTS, START)
    owner = RULES.owners.owner(CAPTURE_VS_SETTLEMENT, INFORMATION)

    # The vendor path, all through `recon`: generate, convert the exports, backfill.
    landing, exports = tmp_path / "landing", tmp_path / "exports"
    monkeypatch.setenv("RECON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RECON_LANDING_DIR", str(landing))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("RECON_START_DATE", START.isoformat())
    runner = CliRunner()
    days = ["--start", START.isoformat(), "--days", str(NIGHTS)]
    result = runner.invoke(
        app,
        ["generate", "--out", str(landing), *days, "--orders-per-day", str(ORDERS_PER_DAY),
         "--seed", str(SEED), "--vendor-exports", str(exports)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The exported systems are not in the landing files until converted.
    for source in ("shipments", "pos_transactions", "ledger_entries"):
        assert all(len(p.read_text().splitlines()) == 1 for p in (landing / source).glob("*.csv"))
    assert {p.parent.name for p in exports.rglob("*.csv")} == {
        "shopify",
        "stripe",
        "shipstation",
        "square",
        "xero",
    }
    result = runner.invoke(app, ["convert", "--feeds", str(exports), "--landing", str(landing)])
    assert result.exit_code == 0, result.output
    end = nights[-1].isoformat()
    result = runner.invoke(app, ["backfill", "--start", START.isoformat(), "--end", end])
    assert result.exit_code == 0, result.output

    total = 0
    for night in nights:
        result = runner.invoke(app, ["exceptions", "--date", night.isoformat()])
        assert result.exit_code == 0, result.output
        breaks = night_breaks(reference, night) + night_information(reference, night, owner)
        assert _without_evidence(result.output) == _without_evidence(as_json(breaks)), night
        total += len(breaks)
    # Not vacuous: the injected breaks are there, as the oracle of the canonical path says.
    expected = pd.read_csv(landing / "expected_breaks.csv", dtype=str)
    assert total >= len(expected) > 20


def test_vendor_exports_are_byte_identical_for_the_same_arguments(tmp_path):
    def written(name: str) -> dict[str, bytes]:
        exports = tmp_path / name / "exports"
        generate(tmp_path / name / "landing", START, 3, 6, SEED, {}, vendor_exports=exports)
        return {str(p.relative_to(exports)): p.read_bytes() for p in exports.rglob("*.csv")}

    first = written("a")
    assert len(first) == 5 and first == written("b")
    # Each header is the adapter's own first vendor name per column.
    stripe_file = next(v for k, v in first.items() if k.startswith("stripe/"))
    assert stripe_file.startswith(b"balance_transaction_id,created_utc,currency,gross,fee,net,")
