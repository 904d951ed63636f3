"""`recon generate --vendor-exports DIR`: the sample retailer's nights as vendors export them.

The canonical rows of the world (landing.py) are turned back into the exports the adapters
read, by the adapters' own column specs in reverse: each export row is keyed by the adapter's
logical column names and its header is the first vendor name of each column, so the layout
exists once, in the adapter. `recon convert --feeds DIR` (rules/sources.yaml globs) gives the
canonical rows back, up to their record ids (evidence only): same keys, dates and money.

Exported systems: Shopify (web orders: the orders export), Stripe (web card payments: itemized
balance change), Square (the showrooms' tills: Transactions), ShipStation (shipments) and Xero
(the ledger: Account Transactions). The other records stay canonical landing rows, written as
today: order management (no vendor layout), PayPal (an STL payout is a PayPal day, not the
sample's payout) and Adyen (its settlement report lists a capture only once settled). So do
the records a vendor's export cannot show: a web order with a refund (the Shopify orders
export has no refund date), and for Stripe a settlement line with another gross or fee than
its transaction (one balance transaction carries both) or a line whose transaction the report
never listed. Square's Payment ID is the till row's psp reference (the sample's showroom cards
are processed by Adyen), and it prints every showroom in London time.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from recon_assets.adapters import shipstation, shopify_orders, square, stripe, xero
from recon_assets.adapters.common import CURRENCY_SYMBOLS, Column
from recon_assets.generator.landing import Dated
from recon_assets.money import exponent, to_major

STRIPE_CATEGORIES = {"capture": "charge", "refund": "refund", "chargeback": "dispute"}
STRIPE_ORDER_METADATA = "order_id"  # rules/sources.yaml: order_key metadata.order_id
SHIPSTATION_DATE = "%m/%d/%Y %I:%M:%S %p"  # US local time, no zone, as the UI exports it
XERO_DATE = "%d %b %Y"
SHOPIFY_TS = "%Y-%m-%d %H:%M:%S %z"
# A gateway name Shopify prints for each tender (shopify_orders.payment_method reads it back).
SHOPIFY_GATEWAYS = {
    "card": "Stripe",
    "paypal": "PayPal Express Checkout",
    "gift_card": "Gift card",
    "other": "manual",
}
SQUARE_EVENTS = {"sale": "Payment", "refund": "Refund"}
SQUARE_TENDERS = {"card": "card", "cash": "cash", "gift_card": "gift_card"}
SQUARE_ZONE = "London"  # a Rails zone name, as Square prints it
SYMBOLS = {code: symbol for symbol, code in CURRENCY_SYMBOLS.items()}


@dataclass(frozen=True)
class VendorExport:
    path: Path
    rows: int


def _major(amount_minor: int, currency: str) -> str:
    return f"{to_major(amount_minor, currency):.{exponent(currency)}f}"


def _cell(amount_minor: int, currency: str) -> str:
    """Xero leaves the other column of a posting blank."""
    return _major(amount_minor, currency) if amount_minor else ""


def _write(
    path: Path,
    columns: Mapping[str, Column],
    rows: Sequence[Mapping[str, object]],
    preamble: Sequence[Sequence[str]] = (),
) -> VendorExport:
    """Header = each logical column's first vendor name, in the order of the first row."""
    keys = list(rows[0]) if rows else [k for k, c in columns.items() if c.required]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(preamble)
        writer.writerow([columns[k].names[0] for k in keys])
        writer.writerows([["" if r[k] is None else str(r[k]) for k in keys] for r in rows])
    return VendorExport(path, len(rows))


def _stripe(
    rows: dict[str, Dated], end: date, zone: ZoneInfo
) -> tuple[list[dict[str, object]], set[str]]:
    """One balance transaction per Stripe transaction, with its payout when paid out by the
    last night; returns the rows and the psp references they carry."""
    lines = {
        row["psp_reference"]: (day, row) for day, row in rows["processor_settlements"] if day <= end
    }
    out, carried = [], set()
    for day, txn in rows["processor_transactions"]:
        if txn["processor"] != "stripe" or day > end:
            continue
        signed = txn["amount_minor"] if txn["txn_type"] == "capture" else -txn["amount_minor"]
        settled = lines.get(txn["psp_reference"])
        if settled and (settled[1]["gross_minor"], settled[1]["fee_minor"]) != (
            signed,
            txn["fee_minor"],
        ):
            continue  # not one balance transaction: stays canonical
        currency = str(txn["currency"])
        created = datetime.fromisoformat(str(txn["event_ts"])).astimezone(UTC)
        paid_at = ""
        if settled:
            local_noon = datetime.combine(settled[0], time(12), tzinfo=zone)
            paid_at = f"{local_noon.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        out.append(
            {
                "id": f"txn_{txn['psp_reference']}",
                "created_utc": f"{created:%Y-%m-%d %H:%M:%S}",
                "currency": currency.lower(),
                "gross": _major(signed, currency),
                "fee": _major(int(txn["fee_minor"]), currency),
                "net": _major(signed - int(txn["fee_minor"]), currency),
                "category": STRIPE_CATEGORIES[str(txn["txn_type"])],
                "source": txn["psp_reference"],
                "order": txn["order_ref"],
                "payout": settled[1]["payout_id"] if settled else "",
                "payout_at_utc": paid_at,
            }
        )
        carried.add(str(txn["psp_reference"]))
    return out, carried


def _shopify_orders(rows: Dated) -> tuple[list[dict[str, object]], set[str]]:
    """One line per order (the export's line items summed); returns the rows and the event
    ids they carry. An order with a refund stays canonical: the export has no refund date."""
    events: dict[str, list[dict]] = {}
    for _, row in rows:
        events.setdefault(str(row["order_id"]), []).append(row)
    out, carried = [], set()
    for order_id, order_events in events.items():
        kinds = {str(e["event_type"]): e for e in order_events}
        if "refund" in kinds or "order" not in kinds or len(kinds) != len(order_events):
            continue
        order, cancel = kinds["order"], kinds.get("cancel")
        currency = str(order["currency"])
        out.append(
            {
                "name": f"#{order_id}",
                "currency": currency,
                "total": _major(int(order["amount_minor"]), currency),
                "created": datetime.fromisoformat(str(order["event_ts"])).strftime(SHOPIFY_TS),
                "quantity": order["units"],
                "ships": "true",
                "refunded": _major(int(cancel["amount_minor"]) if cancel else 0, currency),
                "cancelled": datetime.fromisoformat(str(cancel["event_ts"])).strftime(SHOPIFY_TS)
                if cancel
                else "",
                "gateway": SHOPIFY_GATEWAYS[str(order["payment_method"])],
            }
        )
        carried.update(str(e["event_id"]) for e in order_events)
    return out, carried


def _square(rows: Dated, zone: ZoneInfo) -> list[dict[str, object]]:
    """Square Transactions: signed amounts with the currency symbol, one tender column."""
    out = []
    for _, row in rows:
        currency, moment = str(row["currency"]), datetime.fromisoformat(str(row["event_ts"]))
        local = moment.astimezone(zone)
        sign = 1 if row["txn_type"] == "sale" else -1
        amount = f"{'-' if sign < 0 else ''}{SYMBOLS[currency]}"
        amount += _major(int(row["amount_minor"]), currency)
        tenders = dict.fromkeys(("card", "cash", "gift_card"), "")
        tenders[SQUARE_TENDERS[str(row["tender"])]] = amount
        units = int(row["units"])
        out.append(
            {
                "date": f"{local:%Y-%m-%d}",
                "time": f"{local:%H:%M:%S}",
                "tz": SQUARE_ZONE,
                "total": amount,
                "txn": row["order_id"],
                "payment": row["psp_reference"] or row["txn_id"],
                "event": SQUARE_EVENTS[str(row["txn_type"])],
                "location": row["store_id"],
                **tenders,
                "dining": "Shipping" if row["fulfilment"] == "ship" else "For Here",
                "description": f"{units} x Homeware" if units else "",
                "status": "Complete",
            }
        )
    return out


def _shipstation(rows: Dated, zone: ZoneInfo) -> list[dict[str, object]]:
    return [
        {
            "order": row["order_ref"],
            "shipped": datetime.fromisoformat(str(row["shipped_ts"]))
            .astimezone(zone)
            .strftime(SHIPSTATION_DATE),
            "tracking": row["tracking"],
            "carrier": row["carrier"],
            "count": row["units"],
        }
        for _, row in rows
    ]


def _xero(rows: Dated, start: date, end: date) -> tuple[list[list[str]], list[dict[str, object]]]:
    """Account Transactions: title lines, then each account's postings under its heading."""
    preamble = [
        ["Account Transactions"],
        ["Sample homeware retailer"],
        [f"From {start:{XERO_DATE}} to {end:{XERO_DATE}}"],
        [],
    ]
    body: list[dict[str, object]] = []
    for account in sorted({str(row["account"]) for _, row in rows}):
        body.append({"date": account})  # the heading: a row with a single filled cell
        for _, row in sorted(
            ((d, r) for d, r in rows if r["account"] == account), key=lambda dr: dr[0]
        ):
            currency = str(row["currency"])
            body.append(
                {
                    "date": f"{date.fromisoformat(str(row['posting_date'])):{XERO_DATE}}",
                    "source": "Manual Journal",
                    "description": row["memo"],
                    "reference": row["reference"],
                    "debit": _cell(int(row["debit_minor"]), currency),
                    "credit": _cell(int(row["credit_minor"]), currency),
                    "currency": currency,
                }
            )
    keys = ("date", "source", "description", "reference", "debit", "credit", "currency")
    return preamble, [{k: r.get(k, "") for k in keys} for r in body]


def write_vendor_exports(
    out_dir: Path, rows: dict[str, Dated], start: date, end: date, zone: ZoneInfo
) -> tuple[list[VendorExport], dict[str, Dated]]:
    """Write the exports under `out_dir`; returns them and the rows that stay canonical."""
    out_dir = Path(out_dir)
    period = f"{start.isoformat()}_to_{end.isoformat()}"
    stripe_rows, carried = _stripe(rows, end, zone)
    orders, sold = _shopify_orders([(d, r) for d, r in rows["storefront_orders"] if d <= end])
    preamble, ledger = _xero([(d, r) for d, r in rows["ledger_entries"] if d <= end], start, end)
    exports = [
        _write(out_dir / "shopify" / f"orders_export_{period}.csv", shopify_orders.COLUMNS, orders),
        _write(
            out_dir / "stripe" / f"Itemised_balance_change_from_activity_{period}.csv",
            {
                **stripe.BALANCE_CHANGE,
                "order": Column.of(f"payment_metadata[{STRIPE_ORDER_METADATA}]"),
            },
            stripe_rows,
        ),
        _write(
            out_dir / "shipstation" / f"shipments_{period}.csv",
            shipstation.COLUMNS,
            _shipstation([(d, r) for d, r in rows["shipments"] if d <= end], zone),
        ),
        _write(
            out_dir / "square" / f"transactions_{period}.csv",
            square.COLUMNS,
            _square([(d, r) for d, r in rows["pos_transactions"] if d <= end], zone),
        ),
        _write(
            out_dir / "xero" / f"Account_Transactions_{period}.csv", xero.COLUMNS, ledger, preamble
        ),
    ]
    remaining = {
        **rows,
        "storefront_orders": [
            (d, r) for d, r in rows["storefront_orders"] if r["event_id"] not in sold
        ],
        "pos_transactions": [],
        "processor_transactions": [
            (d, r) for d, r in rows["processor_transactions"] if r["psp_reference"] not in carried
        ],
        "processor_settlements": [
            (d, r) for d, r in rows["processor_settlements"] if r["psp_reference"] not in carried
        ],
        "shipments": [],
        "ledger_entries": [],
    }
    return exports, remaining
