"""Adyen settlement details report -> processor_transactions + processor_settlements.

No negative numbers: direction is the column (`... Credit` to the merchant, `... Debit` from
it). Gross is in the shopper's currency (GC), net and the fee components in the settlement
currency (NC). A settlement line is written in NC: net = Net Credit - Net Debit, fee = the
components (Commission + Markup + Scheme Fees + Interchange, or `Payment Fees (NC)` when only
that is filled, never both), gross = net + fee (exact, no exchange-rate rounding). A
transaction is written in GC; its fee is the NC fee when NC = GC and 0 otherwise (the fee is on
the settlement line). Settled/Refunded/Chargeback rows are transactions (psp reference: `Psp
Reference` for a capture, `Modification Reference` for a refund or chargeback; order key: the
feed's `order_key`, `merchant_reference` by default, and a transaction without it carries a
missing-key marker naming the field). Every other row is a line of payout `<merchant
account>-batch-<Batch Number>`, settled on the MerchantPayout's date (else the row's booking or
creation date) in the retailer's zone. Fee-only rows (Fee, MiscCosts, InvoiceDeduction: a Net
Debit with no transaction) are a fee of the batch: a line of gross 0 and fee = the debit. The
`MerchantPayout` row is the payout itself: skipped, counted. `TimeZone` is an abbreviation
(PST/PDT flip inside one file); the offset it stands for is kept on the timestamp.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    Column,
    Context,
    IdMaker,
    OrderKeys,
    Record,
    Row,
    Skipped,
    abbreviation_offset,
    local_date,
    localise,
    optional,
    order_ref,
    parse_naive,
    read_table,
)

COLUMNS = {
    "merchant": Column.of("Merchant Account"),
    "psp": Column.of("Psp Reference"),
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
FEE_ONLY_TYPES = {"fee", "misccosts", "invoicededuction"}
ORDER_KEYS = OrderKeys("merchant_reference", {"merchant_reference": "Merchant Reference"})
ADYEN_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def _moment(record: Record, key: str, tz_key: str) -> datetime:
    naive = record.parse(key, parse_naive, ADYEN_FORMATS)
    return localise(naive, record.parse(tz_key, abbreviation_offset))


def _fee(record: Record, currency: str) -> int:
    if any(record.text(k) for k in FEE_COMPONENTS):
        return sum(record.minor(k, currency) for k in FEE_COMPONENTS)
    return record.minor("payment_fees", currency)


def read(ctx: Context) -> Iterator[Row | Skipped]:
    field, column = ORDER_KEYS.column(ctx)
    records = list(read_table(ctx.path, {**COLUMNS, "order": column}))
    payout_dates: dict[tuple[str, str], date] = {}
    for record in records:
        if record.text("type").casefold() == PAYOUT_TYPE:
            key = (record.text("merchant"), record.required("batch"))
            payout_dates[key] = local_date(_moment(record, "created", "tz"), ctx.tz)
    ids = IdMaker("adyen")
    for record in records:
        kind = record.required("type").casefold()
        if kind == PAYOUT_TYPE:
            currency = record.currency("net_currency")
            paid = record.minor("net_debit", currency) - record.minor("net_credit", currency)
            yield Skipped("Adyen MerchantPayout row: the payout to the bank itself", currency, paid)
        else:
            yield from _rows(ctx, record, kind, payout_dates, ids, field)


def _rows(
    ctx: Context, record: Record, kind: str, payout_dates, ids: IdMaker, order_field: str
) -> Iterator[Row]:
    created = _moment(record, "created", "tz")
    net_currency = record.currency("net_currency")
    net = record.minor("net_credit", net_currency) - record.minor("net_debit", net_currency)
    fee = -net if kind in FEE_ONLY_TYPES and net <= 0 else _fee(record, net_currency)
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
                order_ref=order_ref(record, order_field, psp),
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
