"""ShipStation shipments CSV -> shipments.

The UI export is a column picker, so columns are found by the names seen in real exports
(`Order - Number`, `Date - Shipped Date`, `Tracking Number`, `Item - Qty`, ...). Item-level
exports have one row per item with order fields repeated: rows are grouped per order and
tracking number (one parcel) and their quantities summed; an order-level export gives
`Count - Number of Items` instead. A row identical to an earlier one is a re-import
duplicate and is dropped (a genuine second parcel has another tracking number). Voided
labels are skipped. Dates are US-formatted local times without a zone: they are read in the
retailer's zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from recon_assets.adapters.common import (
    Column,
    Context,
    Record,
    Row,
    business_date,
    header_error,
    iso_ts,
    localise,
    optional,
    parse_naive,
    parse_offset_ts,
    read_table,
)

COLUMNS = {
    "order": Column.of("Order - Number", "Order #", "Order Number", "orderNumber"),
    "shipped": Column.of("Date - Shipped Date", "Ship Date", "Shipped Date", "shipDate"),
    "tracking": optional("Tracking Number", "Tracking #", "trackingNumber"),
    "carrier": optional("Carrier", "Carrier - Carrier", "carrierCode", "Carrier - Service"),
    "qty": optional("Item - Qty", "Item - Quantity", "Quantity"),
    "count": optional("Count - Number of Items", "Number of Items"),
    "voided": optional("Voided", "Shipment - Voided", "voided"),
}

DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)


@dataclass
class Parcel:
    first: Record
    shipped: datetime
    units: int


def _shipped(ctx: Context, record: Record) -> datetime:
    try:
        return parse_offset_ts(record.text("shipped"))
    except ValueError:
        return localise(record.parse("shipped", parse_naive, DATE_FORMATS), ctx.tz)


def _count(record: Record, key: str) -> int:
    amount = record.decimal(key)  # `1` or `1.0`
    if amount != amount.to_integral_value() or amount < 0:
        raise record.error(key, record.text(key), "is not a whole number of units")
    return int(amount)


def read(ctx: Context) -> Iterator[Row]:
    table = read_table(ctx.path, COLUMNS)
    if "qty" not in table.positions and "count" not in table.positions:
        raise header_error(ctx.path, table.header, ["Item - Qty"])
    parcels: dict[tuple[str, str], Parcel] = {}
    seen: set[tuple[str, ...]] = set()
    for record in table:
        cells = tuple(c.strip() for c in record.cells)
        if cells in seen or record.text("voided").casefold() in {"true", "yes", "1"}:
            continue
        seen.add(cells)
        order = record.required("order")
        shipped = _shipped(ctx, record)
        key = (order, record.text("tracking") or iso_ts(shipped))
        parcel = parcels.get(key)
        if parcel is None:
            units = 0 if record.has("qty") else _count(record, "count")
            parcel = parcels[key] = Parcel(record, shipped, units)
        if record.has("qty"):
            parcel.units += _count(record, "qty")
    for (order, ref), parcel in parcels.items():
        yield Row(
            "shipments",
            business_date(parcel.shipped, ctx.tz),
            {
                "shipment_id": f"{order}:{ref}",
                "order_ref": order,
                "shipped_ts": iso_ts(parcel.shipped),
                "carrier": parcel.first.text("carrier"),
                "tracking": parcel.first.text("tracking"),
                "units": parcel.units,
            },
        )
