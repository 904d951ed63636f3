"""Shopify Payments payout transactions export -> processor_transactions + settlements.

Amount and Net are signed (negative = money out of the balance), Fee is positive and
subtracted; `Net = Amount - Fee` is checked on every row. The export has no transaction id, so
the psp reference is a stable hash of the row's fields (type, order, checkout, time, amount).
The order key is the feed's `order_key`: `order` (the order name, `#1058` -> `1058`, default)
or `checkout`; a transaction without it carries a missing-key marker.
`charge`/`refund`/`chargeback` rows are transactions; every row of a paid or in-transit payout
(also marketplace tax, Shop Cash, campaign debits) is a settlement line, so the lines of a
payout add up to the bank deposit. Payouts are keyed by `Payout ID` when the export has it,
else by `Payout Date` + currency (Shopify's grouping). Pending payouts are not settled yet and
give no settlement line.
"""

from __future__ import annotations

from collections.abc import Iterator

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    Column,
    Context,
    IdMaker,
    OrderKeys,
    Row,
    optional,
    order_ref,
    parse_date,
    parse_offset_ts,
    read_table,
    strip_hash,
)

COLUMNS = {
    "date": Column.of("Transaction Date"),
    "type": Column.of("Type"),
    "order_name": Column.of("Order"),
    "status": Column.of("Payout Status"),
    "payout_date": Column.of("Payout Date"),
    "amount": Column.of("Amount"),
    "fee": Column.of("Fee"),
    "net": Column.of("Net"),
    "currency": Column.of("Currency"),
    "checkout": optional("Checkout"),
    "payout_id": optional("Payout ID"),
}

TXN_TYPES = {"charge": "capture", "refund": "refund", "chargeback": "chargeback"}
SETTLED_STATUSES = {"paid", "in_transit"}
ORDER_KEYS = OrderKeys("order", {"order": "Order", "checkout": "Checkout"})


def read(ctx: Context) -> Iterator[Row]:
    ids = IdMaker("shopify")
    field, column = ORDER_KEYS.column(ctx)
    for record in read_table(ctx.path, {**COLUMNS, "order": column}):
        kind = record.required("type").casefold()
        currency = record.currency("currency")
        amount = record.minor("amount", currency, blank_is_zero=False)
        fee = record.minor("fee", currency)
        if record.minor("net", currency, blank_is_zero=False) != amount - fee:
            raise record.error("net", record.text("net"), "is not Amount - Fee")
        moment = record.parse("date", parse_offset_ts)
        name = strip_hash(record.text("order_name"))
        line_id = ids(kind, name, record.text("checkout"), record.text("date"), amount)
        with record.guard():
            if kind in TXN_TYPES:
                yield processor_transaction(
                    ctx,
                    psp_reference=line_id,
                    order_ref=strip_hash(order_ref(record, field, line_id)),
                    txn_type=TXN_TYPES[kind],
                    moment=moment,
                    currency=currency,
                    amount_minor=amount,
                    fee_minor=fee,
                )
            if record.text("status").casefold() in SETTLED_STATUSES:
                payout_date = record.parse("payout_date", parse_date, ("%Y-%m-%d",))
                payout = record.text("payout_id") or f"shopify-{payout_date}-{currency}"
                yield settlement_line(
                    line_id=line_id,
                    psp_reference=line_id if kind in TXN_TYPES else "",
                    payout_id=payout,
                    settled=payout_date,
                    currency=currency,
                    gross_minor=amount,
                    fee_minor=fee,
                )
