"""Adyen settlement details report -> processor_transactions + processor_settlements.

No negative numbers: direction is the column (`... Credit` to the merchant, `... Debit` from
it). Gross is in the shopper's currency (GC), net and the fee components in the settlement
currency (NC). A settlement line is written in NC: net = Net Credit - Net Debit, fee = the
components (Commission + Markup + Scheme Fees + Interchange, or `Payment Fees (NC)` when only
that is filled, never both), gross = net + fee (exact, no exchange-rate rounding). A
transaction is written in GC; its fee is the NC fee when NC = GC and 0 otherwise (the fee is
on the settlement line). Settled/Refunded/Chargeback rows are transactions (psp reference:
`Psp Reference` for a capture, `Modification Reference` for a refund or chargeback); every
row but the `MerchantPayout` is a line of payout `<merchant account>-batch-<Batch Number>`,
settled on the MerchantPayout's date (else the row's booking or creation date) in the
retailer's zone. `TimeZone` is an abbreviation (PST/PDT flip inside one file); the offset it
stands for is kept on the timestamp.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    Column,
    Context,
    IdMaker,
    Record,
    Row,
    abbreviation_offset,
    local_date,
    localise,
    optional,
    parse_naive,
    read_table,
)

COLUMNS = {
    "merchant": Column.of("Merchant Account"),
    "psp": Column.of("Psp Reference"),
    "order": Column.of("Merchant Reference"),
    "created": Column.of("Creation Date"),
    "tz": Column.of("TimeZone"),
    "type": Column.of("Type"),
    "modification": Column.of("Modification Reference"),
    "gross_currency": Column.of("Gross Currency"),
    "gross_debit": Column.of("Gross Debit (GC)"),
    "gross_credit": Column.of("Gross Credit (GC)"),
    "net_currency": Column.of("Net Currency"),
    "net_debit": Column.of("Net Debit (NC)"),
    "net_credit": Column.of("Net Credit (NC)"),
    "batch": Column.of("Batch Number"),
    "commission": optional("Commission (NC)"),
    "markup": optional("Markup (NC)"),
    "scheme": optional("Scheme Fees (NC)"),
    "interchange": optional("Interchange (NC)"),
    "payment_fees": optional("Payment Fees (NC)"),
    "booked": optional("Booking Date"),
    "booked_tz": optional("Booking Date TimeZone"),
}

FEE_COMPONENTS = ("commission", "markup", "scheme", "interchange")
TXN_TYPES = {
    "settled": "capture",
    "refunded": "refund",
    "chargeback": "chargeback",
    "secondchargeback": "chargeback",
}
PAYOUT_TYPE = "merchantpayout"
ADYEN_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def _moment(record: Record, key: str, tz_key: str) -> datetime:
    naive = record.parse(key, parse_naive, ADYEN_FORMATS)
    return localise(naive, record.parse(tz_key, abbreviation_offset))


def _fee(record: Record, currency: str) -> int:
    if any(record.text(k) for k in FEE_COMPONENTS):
        return sum(record.minor(k, currency) for k in FEE_COMPONENTS)
    return record.minor("payment_fees", currency)


def read(ctx: Context) -> Iterator[Row]:
    records = list(read_table(ctx.path, COLUMNS))
    payout_dates: dict[tuple[str, str], date] = {}
    for record in records:
        if record.text("type").casefold() == PAYOUT_TYPE:
            key = (record.text("merchant"), record.required("batch"))
            payout_dates[key] = local_date(_moment(record, "created", "tz"), ctx.tz)
    ids = IdMaker("adyen")
    for record in records:
        kind = record.required("type").casefold()
        if kind != PAYOUT_TYPE:
            yield from _rows(ctx, record, kind, payout_dates, ids)


def _rows(ctx: Context, record: Record, kind: str, payout_dates, ids: IdMaker) -> Iterator[Row]:
    created = _moment(record, "created", "tz")
    net_currency = record.currency("net_currency")
    net = record.minor("net_credit", net_currency) - record.minor("net_debit", net_currency)
    fee = _fee(record, net_currency)
    psp = record.text("psp")
    if kind in TXN_TYPES and kind != "settled":
        psp = record.text("modification") or f"{psp}:{kind}"
    with record.guard():
        if kind in TXN_TYPES:
            if not psp:
                raise ValueError("a transaction row needs a Psp Reference")
            gross_currency = record.currency("gross_currency")
            gross = record.minor("gross_credit", gross_currency) - record.minor(
                "gross_debit", gross_currency
            )
            yield processor_transaction(
                ctx,
                psp_reference=psp,
                order_ref=record.text("order") or record.text("psp"),
                txn_type=TXN_TYPES[kind],
                moment=created,
                currency=gross_currency,
                amount_minor=gross,
                fee_minor=fee if gross_currency == net_currency else 0,
            )
        merchant, batch = record.text("merchant"), record.required("batch")
        own = _moment(record, "booked", "booked_tz") if record.text("booked") else created
        yield settlement_line(
            line_id=ids(merchant, batch, kind, record.text("psp"), record.text("modification")),
            psp_reference=psp if kind in TXN_TYPES else "",
            payout_id=f"{merchant}-batch-{batch}",
            settled=payout_dates.get((merchant, batch)) or local_date(own, ctx.tz),
            currency=net_currency,
            gross_minor=net + fee,
            fee_minor=fee,
        )
