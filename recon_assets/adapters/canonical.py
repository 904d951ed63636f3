"""Builders of canonical rows, so every adapter fills a source the same way.

The builders enforce the sign rules of DESIGN.md section 4 (amounts and fees >= 0, settlement
net = gross - fee) and derive the business date, so an adapter only decides what a vendor
field means.
"""

from __future__ import annotations

from datetime import date, datetime

from recon_assets.adapters.common import Context, Row, business_date, iso_ts


def _non_negative(name: str, value: int) -> int:
    if value < 0:
        raise ValueError(f"{name} must not be negative (got {value})")
    return value


def processor_transaction(
    ctx: Context,
    *,
    psp_reference: str,
    order_ref: str,
    txn_type: str,
    moment: datetime,
    currency: str,
    amount_minor: int,
    fee_minor: int,
) -> Row:
    return Row(
        "processor_transactions",
        business_date(moment, ctx.tz),
        {
            "psp_reference": psp_reference,
            "order_ref": order_ref,
            "processor": ctx.processor,
            "txn_type": txn_type,
            "event_ts": iso_ts(moment),
            "currency": currency,
            "amount_minor": _non_negative("amount_minor", abs(amount_minor)),
            "fee_minor": _non_negative("fee_minor", fee_minor),
        },
    )


def settlement_line(
    *,
    line_id: str,
    psp_reference: str,
    payout_id: str,
    settled: date,
    currency: str,
    gross_minor: int,
    fee_minor: int,
) -> Row:
    """A settlement line is dated by its payout: settled_date is also its business date."""
    return Row(
        "processor_settlements",
        settled.isoformat(),
        {
            "settlement_line_id": line_id,
            "psp_reference": psp_reference or line_id,
            "payout_id": payout_id,
            "settled_date": settled.isoformat(),
            "currency": currency,
            "gross_minor": gross_minor,
            "fee_minor": _non_negative("fee_minor", fee_minor),
            "net_minor": gross_minor - fee_minor,
        },
    )


def ledger_entry(
    *,
    entry_id: str,
    posting: date,
    account: str,
    reference: str,
    currency: str,
    debit_minor: int,
    credit_minor: int,
    memo: str,
) -> Row:
    """Ledger dates carry no zone: the posting date is the business date as printed."""
    return Row(
        "ledger_entries",
        posting.isoformat(),
        {
            "entry_id": entry_id,
            "posting_date": posting.isoformat(),
            "account": account,
            "reference": reference,
            "currency": currency,
            "debit_minor": _non_negative("debit_minor", debit_minor),
            "credit_minor": _non_negative("credit_minor", credit_minor),
            "memo": memo,
        },
    )
