"""Every leg of DESIGN.md section 5, one small hand-written case per break kind and class.

Each case starts from books that tie everywhere, changes one thing, reconciles a few nights
on a real temporary DuckDB, and states exactly which breaks each night must show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from recon_assets.audit.trace import trace_key
from recon_assets.rules import AcceptedRule, load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.books import Books, day, opened, reconcile

RULES = load_rules(DEFAULT_RULES_DIR)
T, G, M = "timing", "genuine_error", "mapping"


def clean_books() -> Books:
    books = Books()
    d = day(1)
    books.web_sale(d, "1001", amount=12_050, tender="card")
    books.web_sale(d, "1002", amount=4_000, tender="gift_card", payout="PO-GIFT")
    books.web_sale(d, "1003", amount=900, currency="JPY", units=1, tender="paypal", fee=0,
                   payout="PO-JPY")  # fmt: skip
    books.pos_sale(d, "2001", tender="cash", amount=5_000)
    books.pos_sale(d, "2002", tender="card", amount=3_000, fulfilment="ship")
    books.pos_takings(d, "LDN01", sales=8_000)
    return books


def _run(tmp_path: Path, change: Callable[[Books], None], nights: int, rules=RULES):
    books = clean_books()
    change(books)
    landing = tmp_path / "landing"
    books.write(landing, nights)
    warehouse = DuckDBWarehouse(database=str(tmp_path / "recon.duckdb"))
    return reconcile(warehouse, landing, rules, nights), warehouse


def _capture_key(books: Books, ref: str) -> None:
    books.change("processor_transactions", day(1), {"psp_reference": "psp-1001"}, order_ref=ref)


def _settlement_gross(books: Books, gross: int) -> None:
    books.change(
        "processor_settlements",
        day(1),
        {"psp_reference": "psp-1001"},
        gross_minor=gross,
        net_minor=gross - 150,
    )


def _refund_night_two(books: Books, tender: str = "card") -> None:
    books.web_refund(day(2), "1001" if tender == "card" else "1002", 2_000, tender=tender)


CASES: dict[str, tuple[Callable[[Books], None], list[set]]] = {
    "clean books tie on every leg": (lambda b: None, [set(), set()]),
    # sale <-> order management (SLA 1)
    "sale missing in OMS: timing, then genuine at the SLA": (
        lambda b: b.drop("oms_orders", day(1), order_id="1001"),
        [{("sale_vs_oms", "1001", T)}, {("sale_vs_oms", "1001", G)}],
    ),
    "OMS order with no sale": (
        lambda b: b.add(
            "oms_orders",
            day(1),
            order_id="9999",
            channel="web",
            created_ts="2026-05-04T10:00:00+01:00",
            currency="GBP",
            amount_minor=100,
            units=1,
        ),
        [{("sale_vs_oms", "9999", T)}, {("sale_vs_oms", "9999", G)}],
    ),
    "OMS amount differs: genuine at once": (
        lambda b: b.change("oms_orders", day(1), {"order_id": "1001"}, amount_minor=12_051),
        [{("sale_vs_oms", "1001", G)}],
    ),
    "OMS amount is the total x100: an exponent slip": (
        lambda b: b.change("oms_orders", day(1), {"order_id": "1001"}, amount_minor=1_205_000),
        [{("sale_vs_oms", "1001", M)}],
    ),
    "late OMS row resolves the timing break": (
        lambda b: (
            b.drop("oms_orders", day(1), order_id="1001"),
            b.add(
                "oms_orders",
                day(2),
                order_id="1001",
                channel="web",
                created_ts="2026-05-05T00:10:00+01:00",
                currency="GBP",
                amount_minor=12_050,
                units=2,
            ),
        ),
        [{("sale_vs_oms", "1001", T)}, set()],
    ),
    # sale <-> capture (SLA 1)
    "card sale not captured": (
        lambda b: (
            b.drop("processor_transactions", day(1), psp_reference="psp-1001"),
            b.drop("processor_settlements", day(1), psp_reference="psp-1001"),
        ),
        [{("sale_vs_capture", "1001", T)}, {("sale_vs_capture", "1001", G)}],
    ),
    "capture with no sale": (
        lambda b: (
            b.add(
                "processor_transactions",
                day(1),
                psp_reference="psp-x",
                order_ref="7777",
                processor="stripe",
                txn_type="capture",
                event_ts="2026-05-04T09:00:00+01:00",
                currency="GBP",
                amount_minor=500,
                fee_minor=0,
            ),
            b.settle(day(1), "psp-x", "GBP", 500, 0, "PO-X"),
        ),
        [{("sale_vs_capture", "7777", T)}, {("sale_vs_capture", "7777", G)}],
    ),
    "duplicate capture: genuine at once": (
        lambda b: (
            b.add(
                "processor_transactions",
                day(1),
                psp_reference="psp-dup",
                order_ref="1001",
                processor="stripe",
                txn_type="capture",
                event_ts="2026-05-04T09:00:00+01:00",
                currency="GBP",
                amount_minor=12_050,
                fee_minor=0,
            ),
            b.settle(day(1), "psp-dup", "GBP", 12_050, 0, "PO-1"),
        ),
        [{("sale_vs_capture", "1001", G)}],
    ),
    "capture order_ref '#1001' is one mapping break, not two": (
        lambda b: _capture_key(b, "#1001"),
        [{("sale_vs_capture", "1001", M)}, {("sale_vs_capture", "1001", M)}],
    ),
    "capture order_ref 'ORD-001001' maps after stripping prefix and zeros": (
        lambda b: _capture_key(b, "ORD-001001"),
        [{("sale_vs_capture", "1001", M)}],
    ),
    # capture <-> settlement (SLA 3)
    "capture never settled: timing for three nights": (
        lambda b: b.drop("processor_settlements", day(1), psp_reference="psp-1001"),
        [{("capture_vs_settlement", "psp-1001", T)}] * 3
        + [{("capture_vs_settlement", "psp-1001", G)}],
    ),
    "settlement line with no transaction": (
        lambda b: b.settle(day(1), "psp-ghost", "GBP", 700, 0, "PO-1"),
        [{("capture_vs_settlement", "psp-ghost", T)}] * 3
        + [{("capture_vs_settlement", "psp-ghost", G)}],
    ),
    "settlement gross differs from the capture": (
        lambda b: _settlement_gross(b, 12_000),
        [{("capture_vs_settlement", "psp-1001", G)}],
    ),
    # sale <-> shipment (SLA 3)
    "web sale never shipped": (
        lambda b: b.drop("shipments", day(1), order_ref="1001"),
        [{("sale_vs_shipment", "1001", T)}] * 3 + [{("sale_vs_shipment", "1001", G)}],
    ),
    "one of two units shipped: still timing": (
        lambda b: b.change("shipments", day(1), {"order_ref": "1001"}, units=1),
        [{("sale_vs_shipment", "1001", T)}],
    ),
    "more units shipped than sold: genuine at once": (
        lambda b: b.change("shipments", day(1), {"order_ref": "1001"}, units=3),
        [{("sale_vs_shipment", "1001", G)}],
    ),
    "parcel with no sale": (
        lambda b: b.add(
            "shipments",
            day(1),
            shipment_id="SHP-X",
            order_ref="5555",
            shipped_ts="2026-05-04T12:00:00+01:00",
            carrier="dhl",
            tracking="",
            units=1,
        ),
        [{("sale_vs_shipment", "5555", T)}],
    ),
    "POS sale to ship must ship; carry-out need not": (
        lambda b: b.drop("shipments", day(1), order_ref="2002"),
        [{("sale_vs_shipment", "2002", T)}],
    ),
    # web sale <-> ledger (SLA 2)
    "web sale not posted: timing two nights": (
        lambda b: b.drop("ledger_entries", day(1), reference="1001", account="4000"),
        [{("web_sale_vs_ledger", "1001", T)}] * 2 + [{("web_sale_vs_ledger", "1001", G)}],
    ),
    "sales posting with no sale": (
        lambda b: b.post(day(1), "4000", "8888", "GBP", cr=100),
        [{("web_sale_vs_ledger", "8888", T)}],
    ),
    "sales posting amount differs": (
        lambda b: b.change(
            "ledger_entries", day(1), {"reference": "1001", "account": "4000"}, credit_minor=12_000
        ),
        [{("web_sale_vs_ledger", "1001", G)}],
    ),
    "JPY sale posted x100: exponent slip": (
        lambda b: b.change(
            "ledger_entries", day(1), {"reference": "1003", "account": "4000"}, credit_minor=90_000
        ),
        [{("web_sale_vs_ledger", "1003", M)}],
    ),
    "sale posted to an account outside the chart": (
        lambda b: b.change(
            "ledger_entries", day(1), {"reference": "1001", "account": "4000"}, account="4001"
        ),
        [{("web_sale_vs_ledger", "1001", M)}],
    ),
    # POS takings <-> ledger (SLA 2)
    "store-day takings not posted": (
        lambda b: b.drop("ledger_entries", day(1), reference="POS:LDN01:2026-05-04"),
        [{("pos_takings_vs_ledger", "POS:LDN01:2026-05-04", T)}] * 2
        + [{("pos_takings_vs_ledger", "POS:LDN01:2026-05-04", G)}],
    ),
    "store-day takings posted for the wrong amount": (
        lambda b: b.change(
            "ledger_entries", day(1), {"reference": "POS:LDN01:2026-05-04"}, credit_minor=7_990
        ),
        [{("pos_takings_vs_ledger", "POS:LDN01:2026-05-04", G)}],
    ),
    # refund <-> processor <-> ledger (SLA 3)
    "web card refund that tied everywhere": (_refund_night_two, [set(), set()]),
    "gift-card refund needs only the refunds posting": (
        lambda b: _refund_night_two(b, "gift_card"),
        [set(), set()],
    ),
    "refund missing at the processor": (
        lambda b: (
            _refund_night_two(b),
            b.drop("processor_transactions", day(2), txn_type="refund"),
            b.drop("processor_settlements", day(2), gross_minor=-2_000),
        ),
        [set()]
        + [{("refund_vs_processor_vs_ledger", "1001", T)}] * 3
        + [{("refund_vs_processor_vs_ledger", "1001", G)}],
    ),
    "refund not posted to refunds": (
        lambda b: (_refund_night_two(b), b.drop("ledger_entries", day(2), account="4010")),
        [set(), {("refund_vs_processor_vs_ledger", "1001", T)}],
    ),
    "processor refunded more than the storefront": (
        lambda b: (
            _refund_night_two(b),
            b.change("processor_transactions", day(2), {"txn_type": "refund"}, amount_minor=2_500),
            b.change(
                "processor_settlements",
                day(2),
                {"gross_minor": -2_000},
                gross_minor=-2_500,
                net_minor=-2_500,
            ),
        ),
        [set(), {("refund_vs_processor_vs_ledger", "1001", G)}],
    ),
    "chargeback is information, not a break": (
        lambda b: (
            b.add(
                "processor_transactions",
                day(2),
                psp_reference="cb-1001",
                order_ref="1001",
                processor="stripe",
                txn_type="chargeback",
                event_ts="2026-05-05T09:00:00+01:00",
                currency="GBP",
                amount_minor=12_050,
                fee_minor=1_500,
            ),
            b.settle(day(2), "cb-1001", "GBP", -12_050, 1_500, "PO-CB"),
        ),
        [set(), set()],
    ),
    # payout <-> bank (SLA 3)
    "payout not in the bank": (
        lambda b: setattr(b, "bank_skip", ("PO-1",)),
        [{("payout_vs_bank", "PO-1", T)}] * 3 + [{("payout_vs_bank", "PO-1", G)}],
    ),
    "bank posting differs from the sum of the payout's lines": (
        lambda b: setattr(b, "bank_adjust", {"PO-1": -3}),
        [{("payout_vs_bank", "PO-1", G)}],
    ),
    "payout fees not posted": (
        lambda b: setattr(b, "fees_skip", ("PO-1",)),
        [{("payout_vs_bank", "PO-1", T)}],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_leg(tmp_path, case):
    change, expected = CASES[case]
    nights, _ = _run(tmp_path, change, len(expected))
    assert [opened(n) for n in nights] == expected


def test_timing_break_ages_into_genuine_error_with_the_same_id_and_first_night(tmp_path):
    nights, _ = _run(tmp_path, lambda b: b.drop("shipments", day(1), order_ref="1001"), 5)
    rows = [n.set_index("check_name").loc["sale_vs_shipment"] for n in nights]
    assert [r["class"] for r in rows] == [T, T, T, G, G]
    assert [r["age_days"] for r in rows] == [0, 1, 2, 3, 4]
    assert len({r["break_id"] for r in rows}) == 1
    assert {str(r["first_seen"]) for r in rows} == {"2026-05-04"}
    assert rows[0]["reason"] == (
        "Order 1001: no shipment for the sale of 2 units on its first night (allowed 3 days)."
    )
    assert rows[3]["reason"] == (
        "Order 1001: no shipment for the sale of 2 units after 3 days (allowed 3 days)."
    )


def test_late_counterpart_resolves_the_break_and_records_the_night(tmp_path):
    _, warehouse = _run(tmp_path, CASES["late OMS row resolves the timing break"][0], 2)
    resolved = warehouse.query("SELECT CAST(recon_date AS VARCHAR) AS d, * FROM break_resolutions")
    assert resolved[["d", "check_name", "key", "last_class"]].values.tolist() == [
        ["2026-05-05", "sale_vs_oms", "1001", T]
    ]


def test_mapping_break_names_the_mapping_to_add(tmp_path):
    nights, _ = _run(tmp_path, lambda b: _capture_key(b, "#1001"), 1)
    [reason] = nights[0]["reason"]
    assert reason == (
        "stripe order_ref '#1001' matches order 1001 after stripping '#': "
        "add a key mapping for stripe (strip_hash) in rules/mappings.yaml."
    )


def test_configured_mapping_and_tolerance_let_the_legs_match(tmp_path):
    rules = RULES.model_copy(
        update={
            "mappings": RULES.mappings.model_copy(
                update={"key_normalisations": {"stripe": "strip_hash"}}
            ),
            "tolerances": RULES.tolerances.model_validate(
                {"tolerances": {"sale_vs_oms": {"absolute_minor": 1}}}
            ),
        }
    )

    def change(b: Books) -> None:
        _capture_key(b, "#1001")
        b.change("oms_orders", day(1), {"order_id": "1001"}, amount_minor=12_051)

    nights, warehouse = _run(tmp_path, change, 1, rules=rules)
    assert opened(nights[0]) == set()
    status = warehouse.query(
        "SELECT status_sale_vs_oms, status_sale_vs_capture FROM matched_ledger "
        "WHERE entity_key = '1001'"
    )
    assert status.values.tolist() == [["matched_within_tolerance", "matched"]]
    # Matched legs keep no copy of their records, except the one filed under another
    # spelling: the trace of the order finds the capture only through it.
    kept = warehouse.query("SELECT check_name, key, record_key, source FROM fact_records")
    assert kept.values.tolist() == [["sale_vs_capture", "1001", "#1001", "processor_transactions"]]
    with warehouse.session() as session:
        traced = trace_key(session, "1001")
    assert ("processor_transactions", "psp-1001") in {
        (r["source"], r["record_id"]) for r in traced.records
    }


def test_reason_says_what_differs_and_by_how_much_in_money(tmp_path):
    nights, _ = _run(tmp_path, CASES["OMS amount differs: genuine at once"][0], 1)
    [brk] = nights[0].to_dict("records")
    assert brk["reason"] == (
        "Order 1001: GBP 120.51 in order management against GBP 120.50 for the sale: GBP 0.01 more."
    )
    assert (brk["amount_minor"], brk["currency"], brk["owner"]) == (1, "GBP", "ecommerce-ops")
    evidence = json.loads(brk["evidence"])
    assert {(e["source"], e["side"]) for e in evidence} == {
        ("storefront_orders", "expected"),
        ("oms_orders", "counterpart"),
    }
    assert evidence[0]["fields"]["order_id"] == "1001"


def test_listed_store_and_processor_codes_make_unlisted_ones_mapping_breaks(tmp_path):
    rules = RULES.model_copy(
        update={
            "mappings": RULES.mappings.model_copy(
                update={"stores": ["LDN01"], "processors": ["stripe", "paypal"]}
            )
        }
    )

    def change(b: Books) -> None:
        b.pos_sale(day(1), "2003", store="LDN09", amount=1_000)
        b.pos_takings(day(1), "LDN09", sales=1_000)

    nights, _ = _run(tmp_path, change, 1, rules=rules)
    assert opened(nights[0]) == {
        ("pos_takings_vs_ledger", "POS:LDN09:2026-05-04", M),
        ("capture_vs_settlement", "psp-2002", M),  # a till card payment through adyen
    }
    reasons = dict(zip(nights[0]["key"], nights[0]["reason"], strict=True))
    assert reasons["POS:LDN09:2026-05-04"] == (
        "Store-day POS:LDN09:2026-05-04: the records come from store LDN09, not in the allowed "
        "codes of rules/mappings.yaml: add it there or correct the source."
    )
    assert "processor adyen" in reasons["psp-2002"]


def test_unknown_account_reason_names_the_account(tmp_path):
    change = CASES["sale posted to an account outside the chart"][0]
    nights, _ = _run(tmp_path, change, 1)
    [reason] = nights[0]["reason"]
    assert reason == (
        "Order 1001: the sales posting is made to account 4001, which is not in the chart of "
        "accounts: add it to rules/accounts.yaml or repost it."
    )


def test_one_sided_break_names_its_nearest_unmatched_candidate(tmp_path):
    # The capture lost its order reference: its sale and the capture both stand alone.
    nights, _ = _run(tmp_path, lambda b: _capture_key(b, "ch_unknown"), 1)
    reasons = dict(zip(nights[0]["key"], nights[0]["reason"], strict=True))
    assert reasons["1001"] == (
        "Order 1001: no capture for the card/PayPal sale of GBP 120.50 on its first night "
        "(allowed 1 day). Nearest unmatched capture: ch_unknown at GBP 120.50."
    )
    assert reasons["ch_unknown"].endswith("Nearest unmatched sale: 1001 at GBP 120.50.")


def test_accepted_rule_turns_the_break_known_accepted_with_its_owner(tmp_path):
    rule = AcceptedRule(
        id="oms-lag-store", reason="OMS feed lags", owner="ops-lead", check="sale_vs_oms"
    )
    rules = RULES.model_copy(update={"accepted": (rule,)})
    change = CASES["sale missing in OMS: timing, then genuine at the SLA"][0]
    nights, _ = _run(tmp_path, change, 2, rules=rules)
    for night in nights:
        [brk] = night.to_dict("records")
        assert (brk["class"], brk["owner"], brk["accepted_rule"]) == (
            "known_accepted",
            "ops-lead",
            "oms-lag-store",
        )


def test_matched_ledger_has_one_row_per_order_store_day_and_payout(tmp_path):
    _, warehouse = _run(tmp_path, lambda b: None, 1)
    rows = warehouse.query(
        "SELECT entity_type, entity_key, currency, sale_amount_minor, oms_amount_minor, "
        "captured_minor, settled_gross_minor, shipped_units, ledger_revenue_minor, "
        "ledger_bank_minor, status_sale_vs_oms, status_sale_vs_capture, status_payout_vs_bank "
        "FROM matched_ledger ORDER BY entity_type, entity_key"
    )
    assert [tuple(r[:2]) for r in rows.values.tolist()] == [
        ("order", "1001"),
        ("order", "1002"),
        ("order", "1003"),
        ("order", "2001"),
        ("order", "2002"),
        ("payout", "PO-1"),
        ("payout", "PO-JPY"),
        ("payout", "PO-POS"),
        ("store_day", "POS:LDN01:2026-05-04"),
    ]
    order = rows.set_index("entity_key").loc["1001"]
    assert order[1:].tolist() == [
        "GBP", 12_050, 12_050, 12_050, 12_050, 2, 12_050, 0, "matched", "matched", None
    ]  # fmt: skip
    payout = rows.set_index("entity_key").loc["PO-1"]
    assert (payout["ledger_bank_minor"], payout["status_payout_vs_bank"]) == (11_900, "matched")


def test_capture_without_an_order_key_is_a_mapping_break_naming_the_empty_field(tmp_path):
    # What an adapter writes when the vendor left the order key field empty (a Stripe charge
    # without payment_metadata[order_id]).
    marker = "missing-order-key:metadata.order_id:psp-1001"
    nights, _ = _run(tmp_path, lambda b: _capture_key(b, marker), 1)
    assert opened(nights[0]) == {
        ("sale_vs_capture", "1001", T),  # the sale still waits for its capture
        ("sale_vs_capture", marker, M),  # never "a capture with no sale"
    }
    reason = nights[0].set_index("key").loc[marker, "reason"]
    assert reason == (
        "Capture psp-1001 of GBP 120.50 has no order key: its stripe field 'metadata.order_id' "
        "is empty. Fill it at the processor, or read the order key from another field "
        "(order_key of the feed in rules/sources.yaml). Nearest unmatched sale: 1001 at "
        "GBP 120.50."
    )


def test_a_payout_fee_line_with_no_transaction_ties_through_the_payout(tmp_path):
    # An Adyen batch fee as the adapter writes it: gross 0, the fee, no transaction. The
    # payout's fee posting includes it (Books posts each payout from its lines).
    def change(b: Books) -> None:
        b.add(
            "processor_settlements", day(1), settlement_line_id="adyen-fee-1",
            psp_reference="adyen-fee-1", payout_id="PO-1", settled_date=day(1).isoformat(),
            currency="GBP", gross_minor=0, fee_minor=180, net_minor=-180,
        )  # fmt: skip

    nights, _ = _run(tmp_path, change, 1)
    assert opened(nights[0]) == set()


def test_a_rows_leg_status_is_the_worst_of_its_keys(tmp_path):
    """A payout settles several captures: one broken capture makes its leg broken on the
    payout's row, while the order whose capture settled stays matched."""

    def change(b: Books) -> None:
        b.web_sale(day(1), "1004", amount=2_000)  # settled in PO-1 beside 1001
        _settlement_gross(b, 12_000)

    nights, warehouse = _run(tmp_path, change, 1)
    assert opened(nights[0]) == {("capture_vs_settlement", "psp-1001", G)}
    rows = warehouse.query(
        "SELECT entity_key, status_capture_vs_settlement FROM matched_ledger "
        "WHERE entity_key IN ('1001', '1004', 'PO-1') ORDER BY entity_key"
    )
    assert rows.values.tolist() == [["1001", "broken"], ["1004", "matched"], ["PO-1", "broken"]]
