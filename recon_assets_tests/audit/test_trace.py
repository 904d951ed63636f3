"""`recon trace`: records, leg status and break history, checked against the landing files
and the generator's oracle rather than against the store the trace reads."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from recon_assets.audit.trace import Trace, trace_key
from recon_assets.stored import AuditError, read_only_session
from recon_assets_tests.audit.conftest import LAST_NIGHT, Accepted, Stored


def traced(stored: Stored, key: str) -> Trace:
    with read_only_session(stored.settings.duckdb_path) as session:
        return trace_key(session, key)


def record_ids(trace: Trace) -> set[tuple[str, str]]:
    return {(r["source"], r["record_id"]) for r in trace.records}


def landing_ids(stored: Stored, source: str, column: str, value: str) -> set[tuple[str, str]]:
    rows = stored.landing(source)
    key = rows.columns[0]
    return {(source, v) for v in rows.loc[rows[column] == value, key]}


def breaks_of(trace: Trace, check: str, key: str) -> list[dict]:
    return [b for b in trace.breaks if b["check"] == check and b["key"] == key]


def test_clean_order_has_every_record_every_leg_matched_and_no_break(stored: Stored):
    pos = stored.landing("pos_transactions")
    broken_keys = set(stored.expected["key"])
    store_day = "POS:" + pos["store_id"] + ":" + pos["business_date"]
    candidates = pos[
        ~pos["order_id"].duplicated(keep=False)  # a sale without a refund
        & (pos["tender"] == "cash")
        & (pos["fulfilment"] == "carry_out")
        & ~pos["order_id"].isin(broken_keys)
        & ~store_day.isin(broken_keys)
    ]
    order = candidates["order_id"].iloc[0]

    trace = traced(stored, order)

    assert record_ids(trace) == landing_ids(
        stored, "pos_transactions", "order_id", order
    ) | landing_ids(stored, "oms_orders", "order_id", order)
    own_legs = [leg for leg in trace.legs if leg["key"] == order]
    assert {leg["check_name"] for leg in own_legs} == {"sale_vs_oms"}
    assert all(leg["class"] is None and leg["kind"] == "matched" for leg in own_legs)
    assert [k["relation"] for k in trace.keys if k["key"] != order] == ["store_day"]
    assert trace.breaks == []
    shown = stored.recon("trace", order)
    assert shown.exit_code == 0 and "never broken" in shown.output


def test_broken_then_resolved_order_shows_its_break_opening_and_resolving(stored: Stored):
    late = stored.injected("late_oms")
    order, night = late["key"].iloc[0], late["recon_date"].iloc[0]
    next_night = (date.fromisoformat(night) + timedelta(days=1)).isoformat()
    assert set(stored.expected.loc[stored.expected["key"] == order, "recon_date"]) <= {night}

    trace = traced(stored, order)

    [brk] = breaks_of(trace, "sale_vs_oms", order)
    assert (brk["first_seen"], brk["status"], brk["resolved_on"]) == (night, "resolved", next_night)
    assert [(e["recon_date"], e["event"], e["detail"]) for e in brk["events"]] == [
        (night, "opened", "timing (missing_in_oms)"),
        (next_night, "resolved", "gone, last timing"),
    ]
    [oms_leg] = [leg for leg in trace.legs if leg["check_name"] == "sale_vs_oms"]
    assert (oms_leg["as_of"], oms_leg["kind"], oms_leg["class"]) == (next_night, "matched", None)
    [oms] = [r for r in trace.records if r["source"] == "oms_orders"]
    assert oms["business_date"] == next_night  # the late file, as delivered
    assert oms["fields"]["order_id"] == order


def test_accepted_order_shows_the_rule_and_what_the_first_run_reported(accepted: Accepted):
    trace = traced(accepted.stored, accepted.key)

    [brk] = breaks_of(trace, "sale_vs_capture", accepted.key)
    assert (brk["class"], brk["accepted_rule"], brk["status"]) == (
        "known_accepted",
        accepted.rule_id,
        "open",
    )
    oracle = accepted.stored.expected
    oracle = oracle[(oracle["key"] == accepted.key) & (oracle["check"] == "sale_vs_capture")]
    before = [n for n in brk["nights"] if n["recon_date"] != LAST_NIGHT]
    assert [(n["recon_date"], n["class"]) for n in before] == list(
        zip(oracle["recon_date"][:-1], oracle["class"][:-1], strict=True)
    )
    [last] = [n for n in brk["nights"] if n["recon_date"] == LAST_NIGHT]
    assert (last["first_run_class"], last["class"], last["runs"]) == (
        "genuine_error",
        "known_accepted",
        2,
    )
    events = {(e["recon_date"], e["event"], e["detail"]) for e in brk["events"]}
    assert (LAST_NIGHT, "accepted", f"by rule {accepted.rule_id}") in events
    assert (LAST_NIGHT, "rerun changed", "first run reported genuine_error") in events
    [leg] = [leg for leg in trace.legs if leg["check_name"] == "sale_vs_capture"]
    assert (leg["class"], leg["accepted_rule"]) == ("known_accepted", accepted.rule_id)


def test_psp_reference_payout_and_store_day_trace_their_own_records(stored: Stored):
    captures = stored.landing("processor_transactions")
    settlements = stored.landing("processor_settlements")
    capture = captures[captures["psp_reference"].isin(settlements["psp_reference"])].iloc[0]
    payment = traced(stored, capture["psp_reference"])
    assert record_ids(payment) == {
        record
        for source in ("processor_transactions", "processor_settlements", "pos_transactions")
        for record in landing_ids(stored, source, "psp_reference", capture["psp_reference"])
    }
    relations = {(k["relation"], k["key"]) for k in payment.keys}
    assert ("order", capture["order_ref"]) in relations

    payout_id = settlements["payout_id"].iloc[0]
    payout = traced(stored, payout_id)
    assert record_ids(payout) == landing_ids(
        stored, "processor_settlements", "payout_id", payout_id
    ) | landing_ids(stored, "ledger_entries", "reference", payout_id)
    assert {leg["part"] for leg in payout.legs} == {"bank", "fees"}

    pos = stored.landing("pos_transactions").iloc[0]
    store_day = f"POS:{pos['store_id']}:{pos['business_date']}"
    day = traced(stored, store_day)
    till = stored.landing("pos_transactions")
    expected = {
        ("pos_transactions", t)
        for t in till.loc[
            (till["store_id"] == pos["store_id"]) & (till["business_date"] == pos["business_date"]),
            "txn_id",
        ]
    }
    assert record_ids(day) == expected | landing_ids(
        stored, "ledger_entries", "reference", store_day
    )


def test_trace_as_json_and_an_unknown_key(stored: Stored):
    order = stored.injected("ledger_not_posted")["key"].iloc[0]
    result = stored.recon("trace", order, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["key"] == order
    assert {"keys", "records", "legs", "breaks"} <= set(document)
    [brk] = [b for b in document["breaks"] if b["check"] == "web_sale_vs_ledger"]
    assert brk["class"] == "genuine_error" and brk["last_night"] == LAST_NIGHT

    missing = stored.recon("trace", "no-such-order")
    assert missing.exit_code == 2
    assert "no stored night has a record, leg or break" in missing.output
    with pytest.raises(AuditError), read_only_session(stored.settings.home / "nope.duckdb"):
        pass
