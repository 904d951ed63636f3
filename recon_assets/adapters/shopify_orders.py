"""Shopify orders export -> storefront_orders.

The export has one row per line item; order fields (Total, Currency, Refunded Amount, ...) are
filled on the first row of an order only, so rows are grouped by `Name` first. Each order
gives an `order` event (the original Total, the sum of the quantities of the lines that ship:
a gift card bought, `Lineitem requires shipping` false, is sold but never shipped; an order of
only gift cards expects no parcel, and a zero-amount order expects no capture or posting);
`Refunded Amount` (cumulative, the only refund information) gives one `refund` event;
`Cancelled at` gives a `cancel` event instead, carrying the amount refunded (0 for a voided,
never-paid order).
The export has no refund date: the refund is dated by the latest timestamp the order has
(Created/Paid/Fulfilled at), the earliest moment it can be known; use the payments export
for the real refund dates. `Refunded at` is no export column: the API extract
(recon_assets/extracts/shopify_api.py) fills it with the latest refund's own time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from recon_assets.adapters.common import (
    Column,
    Context,
    Record,
    Row,
    business_date,
    iso_ts,
    optional,
    parse_offset_ts,
    read_table,
    strip_hash,
)

COLUMNS = {
    "name": Column.of("Name"),
    "currency": Column.of("Currency"),
    "total": Column.of("Total"),
    "created": Column.of("Created at"),
    "quantity": Column.of("Lineitem quantity"),
    "ships": optional("Lineitem requires shipping"),
    "refunded": Column.of("Refunded Amount"),
    "refunded_at": optional("Refunded at"),
    "cancelled": Column.of("Cancelled at"),
    "paid": optional("Paid at"),
    "fulfilled": optional("Fulfilled at"),
    "gateway": optional("Payment Method", "Payment Gateway"),
}

TIMESTAMPS = ("created", "paid", "fulfilled")


def payment_method(gateways: str) -> str:
    """The first gateway of `Stripe + Clover Payments + manual` decides the tender."""
    first = gateways.split(" + ")[0].strip().casefold()
    if "paypal" in first:
        return "paypal"
    if "gift" in first:
        return "gift_card"
    if not first or first in {"custom", "manual", "cash on delivery (cod)", "bank deposit"}:
        return "other"
    return "card"  # card gateways: Shopify Payments, Stripe, Clover, PayGate, Adyen, ...


@dataclass
class Order:
    first: Record
    units: int = 0


def _quantity(record: Record) -> int:
    value = record.text("quantity")
    if not value.isdigit():
        raise record.error("quantity", value, "is not a whole number of units")
    return int(value)


def read(ctx: Context) -> Iterator[Row]:
    orders: dict[str, Order] = {}
    for record in read_table(ctx.path, COLUMNS):
        name = record.required("name")
        order = orders.get(name)
        if order is None:
            if not record.text("currency"):
                raise record.error("currency", "", "is empty on the first row of the order")
            order = orders[name] = Order(record)
        quantity = _quantity(record)
        if record.text("ships").casefold() != "false":
            order.units += quantity
    for name, order in orders.items():
        yield from _events(ctx, strip_hash(name), order)


def _events(ctx: Context, order_id: str, order: Order) -> Iterator[Row]:
    first = order.first
    currency = first.currency("currency")
    method = payment_method(first.text("gateway"))
    created = first.parse("created", parse_offset_ts)

    def event(kind: str, moment, amount: int, units: int) -> Row:
        return Row(
            "storefront_orders",
            business_date(moment, ctx.tz),
            {
                "event_id": f"{order_id}:{kind}",
                "order_id": order_id,
                "event_type": kind,
                "event_ts": iso_ts(moment),
                "currency": currency,
                "amount_minor": amount,
                "units": units,
                "payment_method": method,
            },
        )

    yield event("order", created, first.minor("total", currency), order.units)
    refunded = first.minor("refunded", currency)
    if first.text("cancelled"):
        yield event("cancel", first.parse("cancelled", parse_offset_ts), refunded, 0)
    elif refunded > 0 and first.text("refunded_at"):
        yield event("refund", first.parse("refunded_at", parse_offset_ts), refunded, 0)
    elif refunded > 0:
        known = [first.parse(k, parse_offset_ts) for k in TIMESTAMPS if first.text(k)]
        yield event("refund", max(known), refunded, 0)
