"""Classification worked out column by column (recon_assets/reconciliation/classify.py): the
money at stake over a leg's open parts, the part a break is about, the first night carried
over, and the rules tried on the breaks they select. Pure functions on hand-made legs."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from recon_assets.reconciliation.classify import as_plain, break_id, classify_night
from recon_assets.reconciliation.reasons import FACT_FIELDS, reason
from recon_assets.rules import AcceptedRule, AmountBounds, load_rules
from recon_assets.settings import DEFAULT_RULES_DIR

RULES = load_rules(DEFAULT_RULES_DIR)
NIGHT = date(2026, 3, 20)
COLUMNS = [
    "check_name", "key", "part", "class", "kind", "age_days", "sla_days", "a_amount",
    "b_amount", "a_quantity", "b_quantity", "a_records", "b_records", "a_currency",
    "b_currency", "b_system", "mapped_key", "mapped_level", "missing_kind",
]  # fmt: skip
N = None
FACTS = pd.DataFrame(
    [
        # A store-day short on its sales (genuine) with its refunds not yet posted (timing):
        # one break, about the sales, with both parts' money at stake.
        ("pos_takings_vs_ledger", "LDN01|2026-03-20", "refunds", "timing", "not_posted", 0, 1,
         500, N, 500, N, 1, N, "GBP", N, "ledger", N, N, "not_posted"),
        ("pos_takings_vs_ledger", "LDN01|2026-03-20", "sales", "genuine_error", "amount_mismatch",
         0, 1, 8_000, 7_000, 8_000, 7_000, 2, 1, "GBP", "GBP", "ledger", N, N, "not_posted"),
        # A payout short at the bank, its fees line with no currency: counted in any.
        ("payout_vs_bank", "PO-1", "bank", "genuine_error", "amount_mismatch", 2, 2, 10_000,
         9_000, 10_000, 9_000, 1, 1, "GBP", "GBP", "bank", N, N, "not_in_bank"),
        ("payout_vs_bank", "PO-1", "fees", "timing", "not_in_bank", 0, 2, N, 250, N, 250, N, 1,
         N, N, "ledger", N, N, "not_in_bank"),
        # A refund in EUR on the ledger: not counted in a GBP break.
        ("refund_vs_processor_vs_ledger", "R-1", "processor", "genuine_error", "not_refunded",
         3, 2, 300, N, 300, N, 1, N, "GBP", N, "processor", N, N, "not_refunded"),
        ("refund_vs_processor_vs_ledger", "R-1", "ledger", "timing", "amount_mismatch", 0, 2,
         300, 200, 300, 200, 1, 1, "EUR", "EUR", "ledger", N, N, "not_posted"),
        # Units: the quantity expected is at stake, not a difference.
        ("sale_vs_shipment", "1001", "units", "timing", "not_shipped", 1, 3, 2, N, 2, N, 1, N,
         N, N, "3pl", N, N, "not_shipped"),
        # A key slip: the real amount is at stake, not the (nil) difference.
        ("sale_vs_oms", "1002", "total", "mapping", "key_mapping", 0, 1, 4_000, 4_000, 4_000,
         4_000, 1, 1, "GBP", "GBP", "oms", "#1002", 2, "not_in_oms"),
        # Matched: no break.
        ("sale_vs_oms", "1003", "total", N, "matched", 0, 1, 900, 900, 900, 900, 1, 1, "JPY",
         "JPY", "oms", N, N, "not_in_oms"),
    ],
    columns=COLUMNS,
)  # fmt: skip
NO_EVIDENCE = pd.DataFrame(columns=["check_name", "key", "evidence"])
PREVIOUS = pd.DataFrame(
    {
        "break_id": [break_id("payout_vs_bank", "PO-1"), break_id("sale_vs_oms", "9999")],
        "check_name": ["payout_vs_bank", "sale_vs_oms"],
        "key": ["PO-1", "9999"],
        "class": ["genuine_error", "timing"],
        "first_seen": [date(2026, 3, 18), date(2026, 3, 19)],
    }
)


def _classified(rules=RULES) -> tuple[pd.DataFrame, pd.DataFrame]:
    return classify_night(FACTS, NO_EVIDENCE, PREVIOUS, rules, NIGHT)


def test_each_break_carries_the_money_at_stake_over_its_legs_open_parts():
    breaks, _ = _classified()
    columns = ["check_name", "key", "class", "amount_minor", "currency"]
    got = {(c, k): rest for c, k, *rest in breaks[columns].itertuples(index=False, name=None)}
    assert got == {
        ("payout_vs_bank", "PO-1"): ["genuine_error", 1_250, "GBP"],
        ("pos_takings_vs_ledger", "LDN01|2026-03-20"): ["genuine_error", 1_500, "GBP"],
        ("refund_vs_processor_vs_ledger", "R-1"): ["genuine_error", 300, "GBP"],
        ("sale_vs_oms", "1002"): ["mapping", 4_000, "GBP"],
        ("sale_vs_shipment", "1001"): ["timing", 2, None],
    }
    assert list(breaks["check_name"]) == sorted(breaks["check_name"])


def test_a_break_keeps_its_first_night_and_a_gone_one_is_resolved():
    breaks, resolutions = _classified()
    first = dict(zip(breaks["key"], breaks["first_seen"], strict=True))
    assert first["PO-1"] == "2026-03-18"
    assert first["1001"] == NIGHT.isoformat()
    assert list(resolutions["key"]) == ["9999"]


def test_a_sentence_names_every_open_part_in_the_legs_order():
    breaks, _ = _classified()
    store_day = breaks.set_index("key").loc["LDN01|2026-03-20", "reason"]
    label = "Store-day LDN01|2026-03-20: "
    assert store_day.startswith(label)
    sales, refunds = store_day.removeprefix(label).split("; ")
    assert "80.00" in sales and "70.00" in sales
    assert "5.00" in refunds


def test_rules_are_tried_only_on_the_breaks_they_select_and_say_why_not():
    accepts = AcceptedRule(
        id="units-lag", reason="3PL lags", owner="ops-lead", check="sale_vs_shipment"
    )
    too_small = AcceptedRule(
        id="payout-pennies",
        reason="rounding",
        owner="finance",
        break_id=break_id("payout_vs_bank", "PO-1"),
        amount_minor=AmountBounds(max=100),
    )
    rules = RULES.model_copy(update={"accepted": (accepts, too_small)})
    breaks, _ = _classified(rules)
    by_key = breaks.set_index("key")
    assert tuple(by_key.loc["1001", ["class", "owner", "accepted_rule"]]) == (
        "known_accepted",
        "ops-lead",
        "units-lag",
    )
    assert by_key.loc["PO-1", "rule_not_applied"] == "payout-pennies"
    assert by_key.loc["PO-1", "reason"].endswith("not accepted.")
    untouched = by_key.drop(index=["1001", "PO-1"])
    assert untouched["accepted_rule"].isna().all()
    assert untouched["rule_not_applied"].isna().all()


def test_a_sentence_names_unknown_codes_of_any_open_part_whatever_rules_exist():
    # A store-day's sales posted with an exponent slip since yesterday (the oldest mapping
    # part: what the break is about) and tonight its refunds posted to an account not in the
    # chart: the sentence names that account, with or without a rule that
    # selects by record fields (such a rule makes every break's records read).
    store_day = "MAN01|2026-03-20"
    facts = pd.concat(
        [
            FACTS,
            pd.DataFrame(
                [
                    ("pos_takings_vs_ledger", store_day, "refunds", "mapping", "unknown_account",
                     0, 1, 500, 500, 500, 0, 1, N, "GBP", "GBP", "ledger", N, N, "not_posted"),
                    ("pos_takings_vs_ledger", store_day, "sales", "mapping", "exponent_slip",
                     1, 1, 8_000, 80_000, 8_000, 80_000, 2, 1, "GBP", "GBP", "ledger", N, N,
                     "not_posted"),
                ],
                columns=COLUMNS,
            ),
        ]
    )  # fmt: skip
    record = {"part": "refunds", "side": "b", "source": "ledger_entries", "record_id": "L-9"}
    evidence = pd.DataFrame(
        {
            "check_name": ["pos_takings_vs_ledger"],
            "key": [store_day],
            "evidence": [json.dumps([{**record, "fields": {"account": "4999"}}])],
        }
    )
    by_record = AcceptedRule(id="other", reason="r", owner="o", record={"account": "1234"})
    without, with_rule = (
        classify_night(facts, evidence, PREVIOUS, rules, NIGHT)[0]
        .set_index("key")
        .loc[store_day, "reason"]
        for rules in (RULES, RULES.model_copy(update={"accepted": (by_record,)}))
    )
    assert "account 4999" in without
    assert without == with_rule


class OnlyFactFields(dict):
    """A part as classification hands it to a sentence: reading any other field fails."""

    def __getitem__(self, field: str):
        assert field in FACT_FIELDS, f"reasons.py reads {field!r}, not in FACT_FIELDS"
        return super().__getitem__(field)

    def get(self, field: str, default=None):
        assert field in FACT_FIELDS, f"reasons.py reads {field!r}, not in FACT_FIELDS"
        return super().get(field, default)


def test_a_sentence_reads_only_the_fields_classification_hands_it():
    # One part of a store-day, then every branch of its sentence by what sends it there.
    base = as_plain(FACTS[list(FACT_FIELDS)]).to_dict("records")[1]
    branches = [
        {},
        {"kind": "key_mapping", "mapped_key": "#1", "mapped_level": 2},
        {"kind": "missing_order_key", "key": "missing:order_ref:psp_1"},
        {"kind": "unknown_account"},
        {"kind": "unknown_code"},
        {"kind": "exponent_slip"},
        {"a_records": None},
        {"kind": "not_posted"},
        {"kind": "not_posted", "b_records": None},
        {"kind": "duplicate_capture"},
        {"b_currency": "EUR"},
    ]
    for change in branches:
        part = OnlyFactFields({**base, **change})
        assert reason([part], ("account 4001",), ("LDN02|2026-03-20", 100))
        assert reason([part, OnlyFactFields(base)])
