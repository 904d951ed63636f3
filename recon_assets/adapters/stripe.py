"""Stripe report CSVs -> processor_transactions + processor_settlements.

Reports are in major units (`15.00` gbp; the API's minor units never appear here), currency
lower-case, `net = gross - fee` (checked on every row), fee positive. Timestamps come twice:
`<col>_utc` and `<col>` in the report zone, which is only in the file name
(`..._Europe-London.csv`); the `_utc` column is preferred, else the local one is read in the
file-name zone, else in the retailer's zone. The file name also states the interval the
report covers (`..._2024-05-01_to_2025-04-30_...`, both days included, in the report's zone):
its whole business dates are delivered days of processor_transactions (settlement lines are
dated by their payouts, which the interval does not bound).

- itemized balance change (and payout reconciliation): one row per balance transaction.
  `charge`/`refund`/`dispute` rows are transactions (psp reference: `source_id`, i.e. `ch_`,
  `re_`, `dp_`); every row with an `automatic_payout_id` is a settlement line of that payout,
  dated by `automatic_payout_effective_at`. Payout rows themselves are not lines.
- itemized payouts: one row per payout, positive for a normal payout, negative for a debit
  payout. Written as one payout-level settlement line (keyed by the payout's balance
  transaction) for accounts that have no itemized balance report; never feed both reports of
  one account into processor_settlements (`rules/sources.yaml` refuses it).
- legacy `balance_history.csv`: `Type` instead of reporting_category, UTC minutes; a refund's
  `Source` is the charge it refunds, so its psp reference is its own `id`. Lines are settled
  only where `Transfer` (the payout) is filled.
The order key is read from `order_key` of the feed (sources.yaml): `metadata.<name>` is the
`payment_metadata[<name>]` column (default `metadata.order_id`), `description` the description.
A transaction whose field is empty carries a missing-key marker naming it (a mapping break).
`payout` and `transfer` rows (money leaving the balance: the payout itself, or to a connected
account) are no line of a payout: they are skipped, counted in the conversion summary, and so
is any other row that is no transaction and in no payout yet. A fee row (`fee`, legacy
`stripe_fee`: a Stripe fee billed on its own) is a fee of its payout: a line of gross 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from recon_assets.adapters.canonical import processor_transaction, settlement_line
from recon_assets.adapters.common import (
    Column,
    Context,
    Covers,
    OrderKeys,
    Record,
    Row,
    Skipped,
    header_error,
    local_date,
    localise,
    optional,
    order_ref,
    parse_naive,
    read_table,
    zone,
)

STRIPE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
TXN_CATEGORIES = {
    "charge": "capture",
    "payment": "capture",
    "refund": "refund",
    "payment_refund": "refund",
    "dispute": "chargeback",
}
PAYOUT_CATEGORIES = {"payout", "payout_reversal", "transfer"}
FEE_CATEGORIES = {"fee", "stripe_fee"}
ORDER_KEYS = OrderKeys(
    "metadata.order_id", {"description": "description"}, metadata="payment_metadata[{}]"
)
LEGACY_ORDER_KEYS = OrderKeys("description", {"description": "Description"})

BALANCE_CHANGE = {
    "id": Column.of("balance_transaction_id"),
    "currency": Column.of("currency"),
    "gross": Column.of("gross"),
    "fee": Column.of("fee"),
    "net": Column.of("net"),
    "category": Column.of("reporting_category"),
    "created_utc": optional("created_utc"),
    "created": optional("created"),
    "source": optional("source_id"),
    "payout": optional("automatic_payout_id"),
    "payout_at_utc": optional("automatic_payout_effective_at_utc"),
    "payout_at": optional("automatic_payout_effective_at"),
}

PAYOUTS = {
    "payout": Column.of("payout_id"),
    "currency": Column.of("currency"),
    "gross": Column.of("gross"),
    "fee": Column.of("fee"),
    "net": Column.of("net"),
    "id": Column.of("balance_transaction_id"),
    "effective_utc": optional("effective_at_utc"),
    "effective": optional("effective_at"),
}

LEGACY = {
    "id": Column.of("id"),
    "category": Column.of("Type"),
    "source": Column.of("Source"),
    "gross": Column.of("Amount"),
    "fee": Column.of("Fee"),
    "net": Column.of("Net"),
    "currency": Column.of("Currency"),
    "created_utc": Column.of("Created (UTC)"),
    "payout": optional("Transfer"),
    "payout_at_utc": optional("Transfer Date (UTC)"),
}


def report_zone(path: Path) -> ZoneInfo | None:
    """`..._2024-05-01_to_2025-04-30_Europe-London.csv` -> Europe/London."""
    match = re.search(r"_([A-Z][A-Za-z]+(?:-[A-Za-z_]+)+)\.csv$", path.name)
    if not match:
        return None
    try:
        return zone(match.group(1).replace("-", "/"))
    except ValueError:
        return None


INTERVAL = re.compile(r"_(\d{4}-\d{2}-\d{2})_to_(\d{4}-\d{2}-\d{2})(?:_[^/]*)?\.csv$")


def _interval(ctx: Context) -> Iterator[Covers]:
    """The interval of the file name, as the Dashboard names a download."""
    match = INTERVAL.search(ctx.path.name)
    if not match:
        return
    try:
        first, last = (date.fromisoformat(d) for d in match.groups())
    except ValueError:
        return  # digits that are no date: no stated interval
    tz = report_zone(ctx.path) or ctx.tz
    yield Covers(
        "processor_transactions",
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
        f"file name {first} to {last}",
    )


def _moment(ctx: Context, record: Record, key: str) -> datetime | None:
    """`<key>_utc` if filled, else `<key>` in the report's zone; None when both are blank."""
    if record.text(f"{key}_utc"):
        return record.parse(f"{key}_utc", parse_naive, STRIPE_FORMATS).replace(tzinfo=UTC)
    if record.text(key):
        naive = record.parse(key, parse_naive, STRIPE_FORMATS)
        return localise(naive, report_zone(ctx.path) or ctx.tz)
    return None


def _amounts(record: Record) -> tuple[str, int, int]:
    currency = record.currency("currency")
    gross = record.minor("gross", currency, blank_is_zero=False)
    fee = record.minor("fee", currency)
    if record.minor("net", currency, blank_is_zero=False) != gross - fee:
        raise record.error("net", record.text("net"), "is not gross - fee")
    return currency, gross, fee


def _require_time(path: Path, table, key: str, names: list[str]) -> None:
    if f"{key}_utc" not in table.positions and key not in table.positions:
        raise header_error(path, table.header, names)


def _balance_rows(
    ctx: Context, record: Record, psp: str, order_field: str
) -> Iterator[Row | Skipped]:
    """The transaction (if the category is one) and the settlement line (if paid out)."""
    category = record.required("category").casefold()
    currency, gross, fee = _amounts(record)
    if category in PAYOUT_CATEGORIES:
        reason = f"Stripe {category} row: the money leaving the balance, not a line of a payout"
        yield Skipped(reason, currency, gross)
        return
    moment = _moment(ctx, record, "created")
    if moment is None:
        raise record.error("created", "", "is empty")
    with record.guard():
        if category in TXN_CATEGORIES:
            yield processor_transaction(
                ctx,
                psp_reference=psp,
                order_ref=order_ref(record, order_field, psp),
                txn_type=TXN_CATEGORIES[category],
                moment=moment,
                currency=currency,
                amount_minor=gross,
                fee_minor=fee,
            )
        payout = record.text("payout")
        # A Stripe fee billed on its own (Radar, Billing) is a fee of its payout: gross 0.
        fee_only = category in FEE_CATEGORIES and gross - fee <= 0
        if payout:
            paid_at = _moment(ctx, record, "payout_at")
            if paid_at is None:
                raise record.error("payout_at_utc", "", "is empty for a paid-out row")
            yield settlement_line(
                line_id=record.required("id"),
                psp_reference=psp if category in TXN_CATEGORIES else "",
                payout_id=payout,
                settled=local_date(paid_at, ctx.tz),
                currency=currency,
                gross_minor=0 if fee_only else gross,
                fee_minor=fee - gross if fee_only else fee,
            )
        elif category not in TXN_CATEGORIES:
            reason = f"Stripe {category} row in no payout yet: a line once a payout carries it"
            yield Skipped(reason, currency, gross)


def read_balance_change(ctx: Context) -> Iterator[Row | Skipped | Covers]:
    field, column = ORDER_KEYS.column(ctx)
    table = read_table(ctx.path, {**BALANCE_CHANGE, "order": column})
    _require_time(ctx.path, table, "created", ["created_utc"])
    yield from _interval(ctx)
    for record in table:
        psp = record.text("source") or record.required("id")
        yield from _balance_rows(ctx, record, psp, field)


def read_balance_history(ctx: Context) -> Iterator[Row | Skipped]:
    field, column = LEGACY_ORDER_KEYS.column(ctx)
    for record in read_table(ctx.path, {**LEGACY, "order": column}):
        refund = record.text("category").casefold() in {"refund", "payment_refund"}
        psp = record.required("id") if refund else (record.text("source") or record.text("id"))
        yield from _balance_rows(ctx, record, psp, field)


def read_payouts(ctx: Context) -> Iterator[Row]:
    table = read_table(ctx.path, PAYOUTS)
    _require_time(ctx.path, table, "effective", ["effective_at_utc"])
    for record in table:
        currency, gross, fee = _amounts(record)
        moment = _moment(ctx, record, "effective")
        if moment is None:
            raise record.error("effective_utc", "", "is empty")
        with record.guard():
            yield settlement_line(
                line_id=record.required("id"),
                psp_reference="",
                payout_id=record.required("payout"),
                settled=local_date(moment, ctx.tz),
                currency=currency,
                gross_minor=gross,
                fee_minor=fee,
            )
