"""PayPal SFTP reports (STL settlement, TRR transaction detail) -> processor rows.

Every line starts with a row type (RH FH SH CH SB SF SC RF RC FF); columns come from the CH
row and only SB rows are data; the file may start with a UTF-8 BOM. Amounts are unsigned
integers with 2 implied decimals for every currency (`10000` is 100.00 USD and 100 JPY), the
sign is the separate `CR`/`DR` flag, and the fee has its own flag.

- T00xx credits are captures, T1107 refunds, T1106/T1201 chargebacks (psp reference:
  Transaction ID, order: Invoice ID, else Custom Field, else the referenced transaction).
- STL only: every SB row except T04xx withdrawals (the money leaving for the bank) is a
  settlement line. PayPal has no payout id: a payout is one STL section (one PayPal day, one
  currency), `paypal-<account>-<day>-<currency>`, settled at the end of that day in the
  retailer's zone. Currency-conversion legs (T0200) are lines of their own currency.
- A fee flagged `CR` is a fee PayPal gives back (partial refund of the fee on T1107). Fees
  are >= 0 in the canonical shapes, so the return is its own settlement line
  (`<id>:fee-return`, gross = the amount returned) and the transaction's fee is 0.
- TRR only feeds processor_transactions; rows whose `Transactional Status` is set and not
  `S` (completed) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    AdapterError,
    Column,
    Context,
    Record,
    Row,
    implied_minor,
    local_date,
    optional,
    parse_offset_ts,
    read_csv_lines,
    read_table,
)

COLUMNS = {
    "id": Column.of("Transaction ID"),
    "invoice": Column.of("Invoice ID"),
    "reference": Column.of("PayPal Reference ID"),
    "code": Column.of("Transaction Event Code"),
    "initiated": Column.of("Transaction Initiation Date"),
    "sign": Column.of("Transaction Debit or Credit"),
    "gross": Column.of("Gross Transaction Amount"),
    "currency": Column.of("Gross Transaction Currency"),
    "fee_sign": Column.of("Fee Debit or Credit"),
    "fee": Column.of("Fee Amount"),
    "fee_currency": optional("Fee Currency"),
    "custom": optional("Custom Field"),
    "completed": optional("Transaction Completion Date"),
    "status": optional("Transactional Status"),
}

ROW_TYPES = {"RH", "FH", "SH", "CH", "SB", "SF", "SC", "RF", "RC", "FF"}
SIGNS = {"CR": 1, "DR": -1}
REVERSALS = {"T1107": "refund", "T1106": "chargeback", "T1201": "chargeback"}


@dataclass(frozen=True)
class Section:
    account: str
    start: datetime
    end: datetime


def _framed(ctx: Context) -> tuple[list[tuple[int, list[str]]], dict[int, Section | None]]:
    """The CH row and SB rows (row-type cell kept so positions line up), and each SB's SH."""
    kept: list[tuple[int, list[str]]] = []
    sections: dict[int, Section | None] = {}
    section: Section | None = None
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
        elif kind in {"CH", "SB"}:
            kept.append((line, cells))
            sections[line] = section
    if not any(c[0].strip().upper() == "CH" for _, c in kept):
        raise AdapterError(f"{ctx.name}: no CH (column header) row; is this a PayPal report?")
    return kept, sections


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


def _read(ctx: Context, *, settle: bool) -> Iterator[Row]:
    lines, sections = _framed(ctx)
    for record in read_table(ctx.path, COLUMNS, lines=lines):
        if record.cells[0].strip().upper() != "SB":
            continue  # a repeated CH row (split files concatenated)
        if not settle and record.text("status") not in {"", "S"}:
            continue
        code = record.required("code").upper()
        currency = record.currency("currency")
        if record.text("fee_currency") and record.currency("fee_currency") != currency:
            raise record.error("fee_currency", record.text("fee_currency"), "differs from gross")
        gross = _signed(record, "gross", "sign", currency)
        fee = -_signed(record, "fee", "fee_sign", currency)  # DR fee: a cost, > 0
        txn_id = record.required("id")
        kind = _txn_type(code, gross)
        with record.guard():
            if kind:
                order = record.text("invoice") or record.text("custom") or record.text("reference")
                yield processor_transaction(
                    ctx,
                    psp_reference=txn_id,
                    order_ref=order,
                    txn_type=kind,
                    moment=record.parse("initiated", parse_offset_ts),
                    currency=currency,
                    amount_minor=gross,
                    fee_minor=max(fee, 0),
                )
            if settle and not code.startswith("T04"):
                yield from _lines(ctx, record, sections, txn_id, kind, currency, gross, fee)


def _lines(ctx, record, sections, txn_id, kind, currency, gross, fee) -> Iterator[Row]:
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
        yield settlement_line(
            line_id=f"{txn_id}:fee-return",
            psp_reference="",
            gross_minor=-fee,
            fee_minor=0,
            **common,
        )


def read_stl(ctx: Context) -> Iterator[Row]:
    return _read(ctx, settle=True)


def read_trr(ctx: Context) -> Iterator[Row]:
    return _read(ctx, settle=False)
