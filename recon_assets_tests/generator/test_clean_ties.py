"""With no injections every leg ties: checked here from the files alone, with pandas.

Only settlement lines (1-3 days) and parcels (0-2 days) take time, so the only expected
breaks are those in-flight items, recomputed here independently of the generator's oracle.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from recon_assets.legs import DEFAULT_SLA_DAYS
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.generator.conftest import Sample

CHART = set(load_rules(DEFAULT_RULES_DIR).accounts.chart)


def _sales(sample: Sample) -> pd.DataFrame:
    """Every sale of both channels: order id, date, total, units, tender, channel."""
    web = sample.source("storefront_orders").query("event_type == 'order'")
    pos = sample.source("pos_transactions").query("txn_type == 'sale'")
    return pd.concat(
        [
            web.assign(tender=web.payment_method, channel="web", ships=True),
            pos.assign(channel="pos", ships=pos.fulfilment == "ship"),
        ],
        ignore_index=True,
    )[["order_id", "business_date", "amount_minor", "units", "tender", "channel", "ships"]]


def _ledger(sample: Sample, account: str) -> pd.DataFrame:
    ledger = sample.source("ledger_entries")
    lines = ledger[ledger.account == account]
    return lines.assign(amount=lines.debit_minor - lines.credit_minor)


def _tie(left: pd.DataFrame, right: pd.DataFrame, on: list[str], *pairs: tuple[str, str]):
    """Both sides hold the same keys, once each, with equal amounts."""
    assert not left.duplicated(on).any() and not right.duplicated(on).any()
    merged = left.merge(right, on=on, how="outer", indicator=True)
    assert (merged._merge == "both").all(), merged[merged._merge != "both"]
    for mine, theirs in pairs:
        assert (merged[mine] == merged[theirs]).all(), (mine, theirs)


def _lookup(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    return dict(frame[[key, value]].itertuples(index=False))


def test_the_ledger_follows_the_section_4_conventions(clean: Sample) -> None:
    ledger = clean.source("ledger_entries")
    assert set(ledger.account) <= CHART
    journals = ledger.groupby(["posting_date", "reference"])[["debit_minor", "credit_minor"]]
    assert (journals.sum().debit_minor == journals.sum().credit_minor).all()

    sales = _sales(clean)
    web_sales = sales[sales.channel == "web"].rename(columns={"order_id": "reference"})
    revenue = _ledger(clean, "4000")
    web_revenue = revenue[~revenue.reference.str.startswith("POS:")]
    _tie(
        web_sales[["reference", "business_date", "amount_minor"]],
        web_revenue[["reference", "business_date", "credit_minor"]],
        ["reference", "business_date"],
        ("amount_minor", "credit_minor"),
    )

    web_events = clean.source("storefront_orders")
    web_refunds = (
        web_events[web_events.event_type != "order"]
        .groupby(["order_id", "business_date"], as_index=False)
        .amount_minor.sum()
        .rename(columns={"order_id": "reference"})
    )
    refunds = _ledger(clean, "4010")
    _tie(
        web_refunds,
        refunds[~refunds.reference.str.startswith("POS:")][
            ["reference", "business_date", "debit_minor"]
        ],
        ["reference", "business_date"],
        ("amount_minor", "debit_minor"),
    )

    pos = clean.source("pos_transactions")
    takings = pos.assign(reference="POS:" + pos.store_id + ":" + pos.business_date).pivot_table(
        index=["reference", "business_date"],
        columns="txn_type",
        values="amount_minor",
        aggfunc="sum",
        fill_value=0,
    )
    takings = takings.reset_index()
    for txn_type, account, side in (
        ("sale", "4000", "credit_minor"),
        ("refund", "4010", "debit_minor"),
    ):
        posted = _ledger(clean, account)
        posted = posted[posted.reference.str.startswith("POS:")]
        owed = takings[takings[txn_type] > 0]  # a zero total needs no record
        _tie(
            owed[["reference", "business_date", txn_type]],
            posted[["reference", "business_date", side]],
            ["reference", "business_date"],
            (txn_type, side),
        )

    payouts = (
        clean.source("processor_settlements")
        .groupby(["payout_id", "business_date"], as_index=False)[["net_minor", "fee_minor"]]
        .sum()
        .rename(columns={"payout_id": "reference"})
    )
    bank = _ledger(clean, "1000")
    _tie(
        payouts[["reference", "business_date", "net_minor"]],
        bank[["reference", "business_date", "amount"]],
        ["reference", "business_date"],
        ("net_minor", "amount"),
    )
    fees = _ledger(clean, "6100")
    _tie(
        payouts[payouts.fee_minor > 0][["reference", "business_date", "fee_minor"]],
        fees[["reference", "business_date", "debit_minor"]],
        ["reference", "business_date"],
        ("fee_minor", "debit_minor"),
    )


def test_every_sale_has_its_oms_row_and_its_capture_the_same_day(clean: Sample) -> None:
    sales = _sales(clean)
    oms = clean.source("oms_orders")
    _tie(
        sales[["order_id", "business_date", "amount_minor", "units"]],
        oms[["order_id", "business_date", "amount_minor", "units"]].rename(
            columns={"amount_minor": "oms_amount", "units": "oms_units"}
        ),
        ["order_id", "business_date"],
        ("amount_minor", "oms_amount"),
        ("units", "oms_units"),
    )
    transactions = clean.source("processor_transactions")
    captures = transactions[transactions.txn_type == "capture"].rename(
        columns={"order_ref": "order_id", "amount_minor": "captured"}
    )
    paid = sales[sales.tender.isin(["card", "paypal"])]
    _tie(
        paid[["order_id", "business_date", "amount_minor"]],
        captures[["order_id", "business_date", "captured"]],
        ["order_id", "business_date"],
        ("amount_minor", "captured"),
    )
    pos = clean.source("pos_transactions")
    card = pos[pos.tender == "card"]
    assert set(card.psp_reference) <= set(transactions.psp_reference)
    assert (pos[pos.tender != "card"].psp_reference == "").all()


def test_every_refund_reaches_the_processor_the_same_day(clean: Sample) -> None:
    web = clean.source("storefront_orders")
    web_refunds = web[(web.event_type != "order") & web.payment_method.isin(["card", "paypal"])]
    pos = clean.source("pos_transactions")
    pos_refunds = pos[(pos.txn_type == "refund") & (pos.tender == "card")]
    refunds = pd.concat([web_refunds, pos_refunds])
    owed = refunds.groupby(["order_id", "business_date"], as_index=False).amount_minor.sum()
    transactions = clean.source("processor_transactions")
    paid_back = (
        transactions[transactions.txn_type == "refund"]
        .groupby(["order_ref", "business_date"], as_index=False)
        .amount_minor.sum()
        .rename(columns={"order_ref": "order_id", "amount_minor": "refunded"})
    )
    _tie(owed, paid_back, ["order_id", "business_date"], ("amount_minor", "refunded"))


def _days(later: str, earlier: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


def test_settlement_follows_each_transaction_within_its_sla(clean: Sample) -> None:
    transactions = clean.source("processor_transactions")
    lines = clean.source("processor_settlements")
    merged = transactions.merge(lines, on="psp_reference", how="outer", suffixes=("", "_line"))
    assert merged.amount_minor.notna().all()  # no line without its transaction
    settled = merged[merged.gross_minor.notna()]
    sign = settled.txn_type.map({"capture": 1, "refund": -1, "chargeback": -1})
    assert (settled.gross_minor == sign * settled.amount_minor).all()
    assert (settled.fee_minor_line == settled.fee_minor).all()
    lags = [
        _days(a, b) for a, b in zip(settled.business_date_line, settled.business_date, strict=True)
    ]
    assert min(lags) >= 1 and max(lags) <= DEFAULT_SLA_DAYS["capture_vs_settlement"]
    assert set(transactions.txn_type) == {"capture", "refund", "chargeback"}


def _in_flight(sample: Sample, nights: list[str]) -> set[tuple[str, str, str]]:
    """(night, check, key) of every transaction not yet settled and order not yet shipped."""
    transactions = sample.source("processor_transactions")
    settled_on = _lookup(sample.source("processor_settlements"), "psp_reference", "business_date")
    sales = _sales(sample)
    web = sample.source("storefront_orders")
    cancelled_on = _lookup(web[web.event_type == "cancel"], "order_id", "business_date")
    shipments = sample.source("shipments")
    waiting = set()
    for night in nights:
        for reference, day in zip(
            transactions.psp_reference, transactions.business_date, strict=True
        ):
            if day <= night < settled_on.get(reference, "9999"):
                waiting.add((night, "capture_vs_settlement", reference))
        shipped = shipments[shipments.business_date <= night].groupby("order_ref").units.sum()
        for sale in sales[sales.ships].itertuples():
            cancelled = cancelled_on.get(sale.order_id, "9999") <= night
            if (
                sale.business_date <= night
                and not cancelled
                and shipped.get(sale.order_id, 0) < sale.units
            ):
                waiting.add((night, "sale_vs_shipment", sale.order_id))
    return waiting


def test_with_no_injections_only_in_flight_items_are_expected(clean: Sample) -> None:
    expected = clean.expected()
    assert set(expected["class"]) == {"timing"}
    assert set(expected.kind) == {"in_flight"}
    assert set(expected.injected) == {"false"}
    nights = [
        (clean.summary.start + timedelta(days=n)).isoformat()
        for n in range((clean.summary.end - clean.summary.start).days + 1)
    ]
    reported = set(zip(expected.recon_date, expected.check, expected.key, strict=True))
    assert reported == _in_flight(clean, nights)


def test_every_in_flight_item_lands_within_its_sla(clean: Sample) -> None:
    expected = clean.expected()
    for (check, key), nights in expected.groupby(["check", "key"]).recon_date:
        first, final = nights.min(), nights.max()
        assert len(nights) == _days(final, first) + 1  # one unbroken stretch
        # Open on ages 0 .. SLA-1 at most: it never turns into a genuine error.
        assert len(nights) <= DEFAULT_SLA_DAYS[check], (check, key)
