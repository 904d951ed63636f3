"""Issue 9 at the engine: an accepted rule never hides a bigger break, the policy caps every
night, and a break with several broken parts carries all of their money."""

from __future__ import annotations

import json

from recon_assets.reconciliation.classify import break_id
from recon_assets.rules import AcceptedPolicy, AcceptedRule, AmountBounds
from recon_assets_tests.books import day
from recon_assets_tests.test_engine_legs import RULES, _run


def _bank_off_by(amount: int):
    def change(books):
        books.bank_adjust["PO-1"] = amount

    return change


def _payout_rule(**amount) -> AcceptedRule:
    return AcceptedRule(
        id="po-1-rounding",
        reason="Bank rounds the payout",
        owner="treasury",
        break_id=break_id("payout_vs_bank", "PO-1"),
        currency="GBP",
        amount_minor=AmountBounds(**amount),
    )


def test_a_break_accepted_at_a_penny_is_reported_again_when_it_grows(tmp_path):
    rules = RULES.model_copy(update={"accepted": (_payout_rule(accepted=1, tolerance=0),)})
    [penny], _ = _run(tmp_path / "penny", _bank_off_by(1), 1, rules=rules)
    [brk] = penny[penny["check_name"] == "payout_vs_bank"].to_dict("records")
    assert (brk["class"], brk["accepted_rule"], brk["amount_minor"]) == (
        "known_accepted",
        "po-1-rounding",
        1,
    )

    [grown], _ = _run(tmp_path / "grown", _bank_off_by(99_999), 1, rules=rules)
    [brk] = grown[grown["check_name"] == "payout_vs_bank"].to_dict("records")
    assert (brk["class"], brk["accepted_rule"], brk["rule_not_applied"]) == (
        "genuine_error",
        None,
        "po-1-rounding",
    )
    assert brk["amount_minor"] == 99_999 and brk["owner"] == "treasury"
    assert brk["reason"].endswith(
        "Accepted by rule po-1-rounding at GBP 0.01; now GBP 999.99: not accepted."
    )


def test_a_tolerance_written_in_the_rule_keeps_a_small_move_accepted(tmp_path):
    rules = RULES.model_copy(update={"accepted": (_payout_rule(accepted=1, tolerance=5),)})
    [night], _ = _run(tmp_path, _bank_off_by(4), 1, rules=rules)
    [brk] = night[night["check_name"] == "payout_vs_bank"].to_dict("records")
    assert (brk["class"], brk["amount_minor"]) == ("known_accepted", 4)


def test_the_policy_cap_is_enforced_every_night_not_only_in_the_backtest(tmp_path):
    # A pattern rule that would accept any uncaptured GBP sale up to GBP 10,000.00.
    pattern = AcceptedRule(
        id="uncaptured-gbp",
        reason="Staff sales settle off-system",
        owner="payments-ops",
        check="sale_vs_capture",
        kind="not_captured",
        currency="GBP",
        amount_minor=AmountBounds(max=1_000_000),
    )
    policy = AcceptedPolicy(amount_cap_minor={"GBP": 10_000})
    rules = RULES.model_copy(update={"accepted": (pattern,), "policy": policy})

    def uncapture(books):
        books.drop("processor_transactions", day(1), psp_reference="psp-1001")
        books.drop("processor_settlements", day(1), psp_reference="psp-1001")

    [night], _ = _run(tmp_path, uncapture, 1, rules=rules)
    [brk] = night[night["check_name"] == "sale_vs_capture"].to_dict("records")
    assert brk["amount_minor"] == 12_050  # above the GBP 100.00 cap
    assert (brk["class"], brk["rule_not_applied"]) == ("timing", "uncaptured-gbp")
    assert brk["reason"].endswith(
        "Rule uncaptured-gbp would accept it, but GBP 120.50 is above the policy cap of "
        "GBP 100.00 (rules/accepted_policy.yaml): not accepted."
    )
    # Under the cap, the same rule accepts it.
    roomy = rules.model_copy(update={"policy": AcceptedPolicy(amount_cap_minor={"GBP": 20_000})})
    [night], _ = _run(tmp_path / "roomy", uncapture, 1, rules=roomy)
    [brk] = night[night["check_name"] == "sale_vs_capture"].to_dict("records")
    assert (brk["class"], brk["accepted_rule"]) == ("known_accepted", "uncaptured-gbp")


def test_a_store_day_with_both_postings_missing_carries_both_amounts(tmp_path):
    def refund_and_unpost(books):
        books.add(
            "pos_transactions", day(1), txn_id="TR1", store_id="LDN01", order_id="2001",
            txn_type="refund", event_ts="2026-05-04T18:00:00+01:00", currency="GBP",
            amount_minor=1_490, units=0, tender="cash", psp_reference="", fulfilment="carry_out",
        )  # fmt: skip
        books.drop("ledger_entries", day(1), reference="POS:LDN01:2026-05-04")

    nights, _ = _run(tmp_path, refund_and_unpost, 3)
    key = "POS:LDN01:2026-05-04"
    [brk] = nights[2][nights[2]["key"] == key].to_dict("records")
    assert brk["class"] == "genuine_error"
    assert brk["amount_minor"] == 8_000 + 1_490  # till sales and till refunds, both unposted
    assert brk["reason"] == (
        f"Store-day {key}: no sales posting for till sales of GBP 80.00 after 2 days (allowed "
        "2 days); no refunds posting for till refunds of GBP 14.90 after 2 days (allowed 2 days)."
    )
    parts = {(r["part"], r["side"]) for r in json.loads(brk["evidence"])}
    assert parts == {("sales", "expected"), ("refunds", "expected")}
