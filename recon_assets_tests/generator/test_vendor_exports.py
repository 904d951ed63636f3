"""Issue 13 point 6: the sample retailer's nights as vendor exports, converted and reconciled
through the command line, give exactly the breaks of the canonical path, break for break."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

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
from recon_assets_tests.conftest import SHARED_FORMATS

START = date(2026, 3, 24)  # crosses the clocks going forward in Europe/London (29 March)
NIGHTS = 9
ORDERS_PER_DAY = 14
SEED = 4
RULES = load_rules(DEFAULT_RULES_DIR)


def _without_evidence(text: str) -> list[dict]:
    """A break's evidence names record ids, which differ by construction (Stripe's txn_...,
    ShipStation's order:tracking, Xero's hashed entry ids); every other field must agree."""
    return [{k: v for k, v in brk.items() if k != "evidence"} for brk in json.loads(text)]


def _rows(landing: Path, source: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted((landing / source).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


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
    assert {p.parent.name for p in exports.rglob("*") if p.is_file()} == {
        "shopify",
        "stripe",
        "paypal",
        "adyen",
        "shipstation",
        "square",
        "xero",
    }
    # Processor records stay canonical only where no export can show them: an Adyen capture
    # that no batch settled by the last night (the settlement report lists a capture once
    # settled), a line whose transaction the processor never listed (every export row of a
    # line is its transaction too). PayPal is all in its STL and TRR reports.
    settled = {r["psp_reference"] for r in _rows(canonical, "processor_settlements")}
    recorded = {r["psp_reference"] for r in _rows(canonical, "processor_transactions")}
    left = _rows(landing, "processor_transactions")
    assert {r["processor"] for r in left} == {"adyen"}
    assert not settled & {r["psp_reference"] for r in left}
    lines_left = {r["psp_reference"] for r in _rows(landing, "processor_settlements")}
    assert lines_left and not lines_left & recorded
    # The injected line of another gross is an Adyen line here, carried by its report.
    expected = pd.read_csv(landing / "expected_breaks.csv", dtype=str)
    differs = set(expected.loc[expected["kind"] == "settlement_gross_differs", "key"])
    assert differs and differs <= recorded - lines_left
    assert any(
        r["payout_id"].startswith("paypal-") for r in _rows(canonical, "processor_settlements")
    )
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
        generate(tmp_path / name / "landing", START, 4, 8, SEED, {}, vendor_exports=exports)
        return {
            str(p.relative_to(exports)): p.read_bytes() for p in exports.rglob("*") if p.is_file()
        }

    first = written("a")
    assert first == written("b")
    assert {Path(name).parts[0] for name in first} == {
        "shopify", "stripe", "paypal", "adyen", "shipstation", "square", "xero"
    }  # fmt: skip
    # Each header is the adapter's own first vendor name per column.
    stripe_file = next(v for k, v in first.items() if k.startswith("stripe/"))
    assert stripe_file.startswith(b"balance_transaction_id,created_utc,currency,gross,fee,net,")


SAMPLES = SHARED_FORMATS
# Each written export beside the real sample of its layout (../shared/formats), for the
# exports that have one: the header row of both, by its leading cell where PayPal has one.
SAMPLE_OF = {
    "stripe/Itemised": ("stripe_balance_change_itemized.sample.csv", None),
    "shopify/orders_export": ("shopify_orders.sample.csv", None),
    "paypal/STL-": ("paypal_stl.sample.csv", "CH"),
    "paypal/TRR-": ("paypal_trr.sample.csv", "CH"),
    "adyen/settlement_detail_report": ("adyen_settlement_details.sample.csv", None),
}


def _header(path: Path, lead: str | None) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        return next(r for r in rows if lead is None or (r and r[0] == lead))


def test_every_written_header_is_the_real_samples_in_its_order(tmp_path):
    """The writers add no column of their own: each header of a written PayPal, Adyen, Stripe
    or Shopify export is a part of its real sample's header, in the sample's order."""
    exports = tmp_path / "exports"
    generate(tmp_path / "landing", START, NIGHTS, ORDERS_PER_DAY, SEED, vendor_exports=exports)
    checked = set()
    for path in sorted(p for p in exports.rglob("*") if p.is_file()):
        name = str(path.relative_to(exports))
        prefix = next((k for k in SAMPLE_OF if name.startswith(k)), None)
        if prefix is None:
            continue  # ShipStation, Square, Xero: ../shared/formats documents them, no sample
        sample, lead = SAMPLE_OF[prefix]
        written, real = _header(path, lead), _header(SAMPLES / sample, lead)
        positions = [real.index(column) for column in written if column in real]
        assert len(positions) == len(written), (name, set(written) - set(real))
        assert positions == sorted(positions), name
        checked.add(prefix)
    assert checked == set(SAMPLE_OF)
