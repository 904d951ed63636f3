"""PayPal SFTP reports (STL settlement, TRR transaction detail) -> processor rows.

Every line starts with a row type (RH FH SH CH SB SF SC RF RC FF); columns come from the CH
row and only SB rows are data; the file may start with a UTF-8 BOM. Amounts are unsigned
integers with 2 implied decimals for every currency (`10000` is 100.00 USD and 100 JPY), the
sign is the separate `CR`/`DR` flag, and the fee has its own flag.

- T00xx credits are captures, T1107 refunds, T1106/T1201 chargebacks (psp reference:
  Transaction ID). The order key is the feed's `order_key` (sources.yaml): `invoice_id`
  (default) or `custom_field`; a transaction where it is empty carries a missing-key marker
  naming the field (a mapping break), never another id.
- STL only: every other SB row is a settlement line. PayPal has no payout id: a payout is one
  STL section (one PayPal day, one currency), `paypal-<account>-<day>-<currency>`, settled at
  the end of that day in the retailer's zone.
- Skipped, counted and printed by the conversion: T04xx withdrawals (the money leaving for
  the bank: the payout itself), T0200/T0201 currency conversions (money moved between two
  PayPal balances, linked to the sale by PayPal Reference ID; no sale, refund or fee), and a
  fee flagged `CR`, the part of the fee PayPal gives back on a refund: fees are >= 0 in the
  canonical shapes, so the refund's line has fee 0 and the returned fee is reported.
- Each SH row states a period (a PayPal day, in the offset it prints): the retailer's whole
  business dates inside the sections are delivered days of processor_transactions, and (STL)
  each section's settlement date is a delivered day of processor_settlements, lines or none.
- TRR only feeds processor_transactions; rows whose `Transactional Status` is set and not
  `S` (completed) are skipped, and so (counted) is every row that is no transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    AdapterError,
    Column,
    Context,
    Covers,
    OrderKeys,
    Record,
    Row,
    Skipped,
    implied_minor,
    local_date,
    optional,
    order_ref,
    parse_offset_ts,
    read_csv_lines,
    read_table,
)

COLUMNS = {
    "id": Column.of("Transaction ID"),
    "code": Column.of("Transaction Event Code"),
    "initiated": Column.of("Transaction Initiation Date"),
    "sign": Column.of("Transaction Debit or Credit"),
    "gross": Column.of("Gross Transaction Amount"),
    "currency": Column.of("Gross Transaction Currency"),
    "fee_sign": Column.of("Fee Debit or Credit"),
    "fee": Column.of("Fee Amount"),
    "fee_currency": optional("Fee Currency"),
    "completed": optional("Transaction Completion Date"),
    "status": optional("Transactional Status"),
}

ROW_TYPES = {"RH", "FH", "SH", "CH", "SB", "SF", "SC", "RF", "RC", "FF"}
SIGNS = {"CR": 1, "DR": -1}
REVERSALS = {"T1107": "refund", "T1106": "chargeback", "T1201": "chargeback"}
ORDER_KEYS = OrderKeys("invoice_id", {"invoice_id": "Invoice ID", "custom_field": "Custom Field"})
# Event-code families that are no line of a payout, and what they are.
SKIPPED_CODES = {
    "T04": "PayPal withdrawal to the bank (T04xx): the payout itself, not one of its lines",
    "T0200": "PayPal currency conversion (T0200) between two PayPal balances",
    "T0201": "PayPal currency conversion (T0201) between two PayPal balances",
}
FEE_RETURN = "PayPal fee returned on a refund (fee CR): a negative fee has no canonical record"


@dataclass(frozen=True)
class Section:
    account: str
    start: datetime
    end: datetime


def _framed(
    ctx: Context,
) -> tuple[list[tuple[int, list[str]]], dict[int, Section | None], list[Section]]:
    """The CH row and SB rows (row-type cell kept so positions line up), each SB's SH, and
    every SH (a day without activity has one too)."""
    kept: list[tuple[int, list[str]]] = []
    sections: dict[int, Section | None] = {}
    section: Section | None = None
    headers: list[Section] = []
    for line, cells in read_csv_lines(ctx.path):
        kind = cells[0].strip().upper() if cells else ""
        if not kind:
            continue
        if kind not in ROW_TYPES:
            raise AdapterError(f"{ctx.name}, line {line}: unknown row type {cells[0]!r}")
        if kind == "SH":
            try:
                section = Section(cells[3].strip(), *map(parse_offset_ts, cells[1:3]))
            except (IndexError, ValueError):
                message = f"{ctx.name}, line {line}: unreadable SH section header"
                raise AdapterError(message) from None
            headers.append(section)
        elif kind in {"CH", "SB"}:
            kept.append((line, cells))
            sections[line] = section
    if not any(c[0].strip().upper() == "CH" for _, c in kept):
        raise AdapterError(f"{ctx.name}: no CH (column header) row; is this a PayPal report?")
    return kept, sections, headers


def _covers(ctx: Context, headers: list[Section], *, settle: bool) -> Iterator[Covers]:
    for section in headers:
        stated = f"section {section.start:%Y/%m/%d %H:%M:%S %z} to {section.end:%H:%M:%S %z}"
        end = section.end + timedelta(seconds=1)  # SH ends at 23:59:59 of its day
        yield Covers("processor_transactions", section.start, end, stated)
        if settle:
            settled = local_date(section.end, ctx.tz)
            yield Covers.dates("processor_settlements", settled, settled, ctx.tz, stated)


def _signed(record: Record, amount_key: str, sign_key: str, currency: str) -> int:
    if not record.text(amount_key):
        return 0
    sign = record.text(sign_key).upper()
    if sign not in SIGNS:
        raise record.error(sign_key, sign, "is not CR or DR")
    return SIGNS[sign] * record.parse(amount_key, implied_minor, currency)


def _txn_type(code: str, gross: int) -> str | None:
    if code.startswith("T00") and gross > 0:
        return "capture"
    return REVERSALS.get(code)


def _skip_reason(code: str) -> str | None:
    return next((why for prefix, why in SKIPPED_CODES.items() if code.startswith(prefix)), None)


def _read(ctx: Context, *, settle: bool) -> Iterator[Row | Skipped | Covers]:
    lines, sections, headers = _framed(ctx)
    yield from _covers(ctx, headers, settle=settle)
    field, column = ORDER_KEYS.column(ctx)
    for record in read_table(ctx.path, {**COLUMNS, "order": column}, lines=lines):
        if record.cells[0].strip().upper() != "SB":
            continue  # a repeated CH row (split files concatenated)
        code = record.required("code").upper()
        currency = record.currency("currency")
        if not settle and record.text("status") not in {"", "S"}:
            yield Skipped("PayPal transaction not completed (Transactional Status not S)", currency)
            continue
        if record.text("fee_currency") and record.currency("fee_currency") != currency:
            raise record.error("fee_currency", record.text("fee_currency"), "differs from gross")
        gross = _signed(record, "gross", "sign", currency)
        fee = -_signed(record, "fee", "fee_sign", currency)  # DR fee: a cost, > 0
        txn_id = record.required("id")
        kind = _txn_type(code, gross)
        skipped = _skip_reason(code)
        with record.guard():
            if kind:
                yield processor_transaction(
                    ctx,
                    psp_reference=txn_id,
                    order_ref=order_ref(record, field, txn_id),
                    txn_type=kind,
                    moment=record.parse("initiated", parse_offset_ts),
                    currency=currency,
                    amount_minor=gross,
                    fee_minor=max(fee, 0),
                )
            if skipped or not (kind or settle):
                yield Skipped(skipped or f"PayPal {code} row: no payment, refund or chargeback",
                              currency, gross)  # fmt: skip
            elif settle:
                yield from _lines(ctx, record, sections, txn_id, kind, currency, gross, fee)


def _lines(ctx, record, sections, txn_id, kind, currency, gross, fee) -> Iterator[Row | Skipped]:
    section = sections.get(record.line)
    if section is None:
        end = record.parse(
            "completed" if record.text("completed") else "initiated", parse_offset_ts
        )
        section = Section("", end, end)
    payout = f"paypal-{section.account or 'account'}-{section.start.date()}-{currency}"
    common = {"payout_id": payout, "settled": local_date(section.end, ctx.tz), "currency": currency}
    yield settlement_line(
        line_id=txn_id,
        psp_reference=txn_id if kind else "",
        gross_minor=gross,
        fee_minor=max(fee, 0),
        **common,
    )
    if fee < 0:
        yield Skipped(FEE_RETURN, currency, -fee)


def read_stl(ctx: Context) -> Iterator[Row | Skipped | Covers]:
    return _read(ctx, settle=True)


def read_trr(ctx: Context) -> Iterator[Row | Skipped | Covers]:
    return _read(ctx, settle=False)
