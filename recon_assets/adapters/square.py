"""Square Dashboard Transactions CSV -> pos_transactions.

Money carries its symbol and sign inside the value (`$22.50`, `-$0.95`); refunds
(`Event Type` Refund) are negative and become positive refund amounts. The file has no
currency column: the configured currency is used, else the symbol (`$` is read as USD).
`Time Zone` is a Rails name (`Pacific Time (US & Canada)`) mapped to its IANA zone, so the
offset follows DST. The tender is the largest of Card / Cash / Square Gift Card (the
canonical shape has no split tender); a sale paid only by `Other Tender` is refused. The
export has no unit count: it is read from `Description` (`2 x Latte, Muffin` = 3 units).
Rows whose `Transaction Status` is set and not `Complete` are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from recon_assets.adapters.common import (
    CURRENCY_SYMBOLS,
    Column,
    Context,
    Record,
    Row,
    business_date,
    iso_ts,
    localise,
    named_zone,
    optional,
    parse_currency,
    parse_naive,
    read_table,
)

COLUMNS = {
    "date": Column.of("Date"),
    "time": Column.of("Time"),
    "tz": optional("Time Zone"),
    "total": Column.of("Total Collected"),
    "txn": Column.of("Transaction ID"),
    "payment": optional("Payment ID"),
    "event": Column.of("Event Type"),
    "location": Column.of("Location"),
    "card": optional("Card"),
    "cash": optional("Cash"),
    "gift_card": optional("Square Gift Card"),
    "other": optional("Other Tender"),
    "dining": optional("Dining Option"),
    "description": optional("Description"),
    "status": optional("Transaction Status"),
}

TENDERS = ("card", "cash", "gift_card")
EVENTS = {"payment": "sale", "refund": "refund"}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")


def units_from_description(text: str) -> int:
    """`Item 1 (Regular) - Notes, 2 x Item 2 (Regular)` -> 3."""
    items = [part.strip() for part in text.split(", ") if part.strip()]
    return sum(int(m.group(1)) if (m := re.match(r"(\d+) x ", i)) else 1 for i in items)


def _currency(ctx: Context, record: Record) -> str:
    if ctx.currency:
        return parse_currency(ctx.currency)
    symbol = next((s for s in CURRENCY_SYMBOLS if s in record.text("total")), None)
    if symbol is None:
        raise record.error("total", record.text("total"), "has no currency symbol; configure one")
    return CURRENCY_SYMBOLS[symbol]


def read(ctx: Context) -> Iterator[Row]:
    for record in read_table(ctx.path, COLUMNS):
        if record.text("status") and record.text("status").casefold() != "complete":
            continue
        event = record.required("event")
        if event.casefold() not in EVENTS:
            raise record.error("event", event, "is not Payment or Refund")
        currency = _currency(ctx, record)
        tz = record.parse("tz", named_zone) if record.text("tz") else ctx.tz
        stamp = f"{record.required('date')} {record.required('time')}"
        try:
            moment = localise(parse_naive(stamp, DATE_FORMATS), tz)
        except ValueError as err:
            raise record.error("date", stamp, str(err)) from None
        amounts = {t: abs(record.minor(t, currency)) for t in (*TENDERS, "other")}
        tender = max(TENDERS, key=lambda t: amounts[t])
        if amounts[tender] == 0 and amounts["other"]:
            raise record.error("other", record.text("other"), "has no canonical tender")
        payment = record.text("payment") or record.required("txn")
        kind = EVENTS[event.casefold()]
        dining = record.text("dining").casefold()
        yield Row(
            "pos_transactions",
            business_date(moment, ctx.tz),
            {
                "txn_id": payment if kind == "sale" else f"{payment}:refund:{moment:%Y%m%dT%H%M%S}",
                "store_id": record.required("location"),
                "order_id": record.required("txn"),
                "txn_type": kind,
                "event_ts": iso_ts(moment),
                "currency": currency,
                "amount_minor": abs(record.minor("total", currency, blank_is_zero=False)),
                "units": units_from_description(record.text("description")),
                "tender": tender,
                "psp_reference": payment if tender == "card" else "",
                "fulfilment": "ship" if "ship" in dining or "deliver" in dining else "carry_out",
            },
        )
