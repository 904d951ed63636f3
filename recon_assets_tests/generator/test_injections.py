"""Every injection kind raises its one break, with the lifecycle the engine must report."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.generator import INJECTION_KINDS, generate, parse_breaks
from recon_assets.legs import DEFAULT_SLA_DAYS
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.generator.conftest import NIGHTS, Sample, make_sample

# The class night by night from the first night the break is open (T timing, G genuine_error,
# M mapping), as the brief for each kind states it; SLAs are those of rules/timing.yaml.
LIFECYCLES = {
    "missing_in_oms": "TG+",
    "late_oms": "T",
    "oms_without_sale": "TG+",
    "oms_amount_differs": "G+",
    "oms_exponent_slip": "M+",
    "not_captured": "TG+",
    "capture_without_sale": "TG+",
    "duplicate_capture": "G+",
    "capture_key_mapping": "M+",
    "not_settled": "TTTG+",
    "settlement_without_transaction": "TTTG+",
    "settlement_gross_differs": "T{0,3}G+",
    "not_shipped": "TTTG+",
    "shipped_without_sale": "TTTG+",
    "over_shipped": "T{0,2}G+",
    "shipment_key_mapping": "T{0,2}M+",
    "ledger_not_posted": "TTG+",
    "ledger_without_sale": "TTG+",
    "ledger_amount_differs": "G+",
    "ledger_exponent_slip": "M+",
    "ledger_unknown_account": "M+",
    "pos_takings_not_posted": "TTG+",
    "pos_takings_amount_differs": "G+",
    "refund_missing_at_processor": "TTTG+",
    "refund_not_in_ledger": "TTTG+",
    "refund_amount_differs": "G+",
    "payout_not_in_bank": "TTTG+",
    "payout_amount_differs": "G+",
}
RULES = DEFAULT_RULES_DIR
LETTER = {"timing": "T", "genuine_error": "G", "mapping": "M"}


def _injected(sample: Sample) -> pd.DataFrame:
    expected = sample.expected()
    return expected[expected.injected == "true"]


def test_every_kind_is_known_and_has_a_lifecycle() -> None:
    assert set(INJECTION_KINDS) == set(LIFECYCLES)


def test_the_oracle_ages_breaks_with_the_reviewed_slas() -> None:
    timing = yaml.safe_load((RULES / "timing.yaml").read_text(encoding="utf-8"))
    assert timing["sla_days"] == DEFAULT_SLA_DAYS


def test_default_injects_every_kind_once(broken: Sample) -> None:
    injected = _injected(broken)
    assert broken.summary.injections == dict.fromkeys(INJECTION_KINDS, 1)
    assert set(injected.kind) == set(INJECTION_KINDS)
    assert injected.groupby("kind").key.nunique().eq(1).all()
    # Distinct targets: no two injections share a key (an order, store-day or payout).
    assert injected.groupby("key").kind.nunique().eq(1).all()


@pytest.mark.parametrize("kind", sorted(LIFECYCLES))
def test_each_break_ages_as_its_kind_says(broken: Sample, kind: str) -> None:
    rows = _injected(broken).query("kind == @kind").sort_values("recon_date")
    classes = "".join(LETTER[klass] for klass in rows["class"])
    assert re.fullmatch(LIFECYCLES[kind], classes), (kind, classes)
    nights = [date.fromisoformat(night) for night in rows.recon_date]
    assert (nights[-1] - nights[0]).days == len(nights) - 1  # open on consecutive nights
    if kind != "late_oms":
        assert nights[-1] == broken.summary.end  # never resolves


def _key(sample: Sample, kind: str) -> str:
    return _injected(sample).query("kind == @kind").key.iloc[0]


def test_the_files_carry_each_injection(broken: Sample) -> None:
    """Spot checks from the files themselves, one per kind of tampering."""
    oms = broken.source("oms_orders")
    web = broken.source("storefront_orders")
    pos = broken.source("pos_transactions")
    sold = set(web.order_id) | set(pos.order_id)
    transactions = broken.source("processor_transactions")
    ledger = broken.source("ledger_entries")
    lines = broken.source("processor_settlements")
    shipments = broken.source("shipments")

    order = _key(broken, "missing_in_oms")
    assert order in sold and order not in set(oms.order_id)
    order = _key(broken, "late_oms")
    sale_day = pd.concat([web, pos]).set_index("order_id").business_date[order]
    late_day = oms.set_index("order_id").business_date[order]
    assert (date.fromisoformat(late_day) - date.fromisoformat(sale_day)).days == 1
    assert _key(broken, "oms_without_sale") in set(oms.order_id) - sold

    order = _key(broken, "capture_key_mapping")
    refs = set(transactions[transactions.txn_type == "capture"].order_ref)
    assert order not in refs and {"#" + order, "ORD-00" + order} & refs
    duplicated = transactions.order_ref == _key(broken, "duplicate_capture")
    assert transactions[duplicated].txn_type.tolist() == ["capture", "capture"]

    stray = _key(broken, "settlement_without_transaction")
    assert stray in set(lines.psp_reference) - set(transactions.psp_reference)
    assert "#" + _key(broken, "shipment_key_mapping") in set(shipments.order_ref)

    posted = ledger[ledger.reference == _key(broken, "ledger_unknown_account")]
    assert "4001" in set(posted.account) and "4000" not in set(posted.account)
    assert _key(broken, "pos_takings_not_posted") not in set(ledger.reference)

    payout = _key(broken, "payout_amount_differs")
    owed = lines[lines.payout_id == payout].net_minor.sum()
    bank = ledger[(ledger.reference == payout) & (ledger.account == "1000")]
    assert 1 <= bank.debit_minor.item() - owed <= 9
    assert _key(broken, "payout_not_in_bank") not in set(ledger.reference)


def test_counts_place_each_break_on_its_own_target(tmp_path: Path) -> None:
    sample = make_sample(tmp_path, breaks={"late_oms": 3, "payout_amount_differs": 2})
    injected = _injected(sample)
    assert injected.groupby("kind").key.nunique().to_dict() == {
        "late_oms": 3,
        "payout_amount_differs": 2,
    }


def test_a_range_too_short_for_a_break_injects_what_fits_and_says_what_it_skipped(
    tmp_path: Path,
) -> None:
    asked = {"refund_not_in_ledger": 1, "late_oms": 1}
    summary = generate(tmp_path, date(2025, 1, 6), 1, 20, seed=1, breaks=asked)
    assert (summary.injections, summary.skipped) == ({"late_oms": 1}, {"refund_not_in_ledger": 1})
    expected = (tmp_path / "expected_breaks.csv").read_text()
    assert "late_oms" in expected and "refund_not_in_ledger" not in expected


def test_recon_generate_three_nights_injects_what_fits(tmp_path: Path) -> None:
    args = ["generate", "--out", str(tmp_path), "--start", "2026-10-01", "--days", "3"]
    result = CliRunner().invoke(app, [*args, "--orders-per-day", "50", "--seed", "1"])
    assert result.exit_code == 0, result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("Not injected")]
    assert line.startswith("Not injected, 3 night(s) are too short to show them: ")
    assert "refund_missing_at_processor (1)" in line


def test_parse_breaks() -> None:
    assert parse_breaks("default") == dict.fromkeys(INJECTION_KINDS, 1)
    assert parse_breaks("none") == {}
    assert parse_breaks("late_oms=2, not_shipped=0") == {"late_oms": 2, "not_shipped": 0}
    with pytest.raises(ValueError, match="unknown break kind 'nope'"):
        parse_breaks("nope=1")
    with pytest.raises(ValueError, match="whole number"):
        parse_breaks("late_oms=x")
    with pytest.raises(ValueError, match="unknown"):
        generate(Path("unused"), date(2025, 1, 6), NIGHTS, 5, seed=1, breaks={"nope": 1})
