"""`recon generate --vendor-exports DIR`: the sample retailer's nights as vendors export them.

The canonical rows of the world (landing.py) are turned back into the exports the adapters
read, by the adapters' own column specs in reverse: each export row is keyed by the adapter's
logical column names and its header is the first vendor name of each column, so the layout
exists once, in the adapter. `recon convert --feeds DIR` (rules/sources.yaml globs) gives the
canonical rows back, up to their record ids (evidence only): same keys, dates and money.

Exported systems: Shopify (web orders: the orders export), Stripe (web card payments: itemized
balance change), PayPal (the daily STL and TRR reports), Adyen (the showrooms' card payments:
settlement details report per batch), Square (the showrooms' tills: Transactions),
ShipStation (shipments) and Xero (the ledger: Account Transactions). The sample world names
PayPal and Adyen payouts as these exports do (model.payout_id). The other records stay
canonical landing rows, written as today, because no export here can show them: order
management (no vendor layout); an Adyen capture no batch settled by the last night (the
settlement report lists a capture once settled); a settlement line whose transaction the
processor never listed, or (Stripe, PayPal: one row is one transaction and its line) with
another gross or fee than its transaction; a web order with a refund (the Shopify orders
export has no refund date). Square's Payment ID is the till row's psp reference (the sample's
showroom cards are processed by Adyen), and it prints every showroom in London time.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from recon_assets.adapters import adyen, paypal, shipstation, shopify_orders, square, stripe, xero
from recon_assets.adapters.common import CURRENCY_SYMBOLS, Column
from recon_assets.generator.catalogue import ADYEN_MERCHANT_ACCOUNT, PAYPAL_ACCOUNT
from recon_assets.generator.clock import days_between
from recon_assets.generator.landing import Dated, Row
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
# The order key where rules/sources.yaml reads it, in each adapter's own header.
STRIPE_COLUMNS = {
    **stripe.BALANCE_CHANGE,
    "order": Column.of(stripe.ORDER_KEYS.header(f"metadata.{STRIPE_ORDER_METADATA}")),
}
PAYPAL_COLUMNS = {**paypal.COLUMNS, "order": Column.of(paypal.ORDER_KEYS.header("invoice_id"))}
PAYPAL_STL_KEYS = ("id", "order", "code", "initiated", "completed", "sign", "gross", "currency",
                   "fee_sign", "fee", "fee_currency")  # fmt: skip
PAYPAL_CODES = {"capture": "T0006", "refund": "T1107", "chargeback": "T1201"}
PAYPAL_TS = "%Y/%m/%d %H:%M:%S %z"
ADYEN_COLUMNS = {
    **adyen.COLUMNS,
    "order": Column.of(adyen.ORDER_KEYS.header("merchant_reference")),
}
ADYEN_TYPES = {"capture": "Settled", "refund": "Refunded", "chargeback": "Chargeback"}
ADYEN_TS = "%Y-%m-%d %H:%M:%S"  # local time; the TimeZone column says which (GMT, BST)


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
    keys: Sequence[str] = (),
    lead: tuple[str, str] | None = None,
    trailer: Sequence[Sequence[str]] = (),
) -> VendorExport:
    """Header = each logical column's first vendor name, in the order of `keys` (default: the
    first row's). `lead`: the row-type cells PayPal puts before the header and each row."""
    keys = keys or (list(rows[0]) if rows else [k for k, c in columns.items() if c.required])
    header, body = ([lead[0]], [lead[1]]) if lead else ([], [])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(preamble)
        writer.writerow([*header, *(columns[k].names[0] for k in keys)])
        writer.writerows(
            [[*body, *("" if r[k] is None else str(r[k]) for k in keys)] for r in rows]
        )
        writer.writerows(trailer)
    return VendorExport(path, len(rows))


def _transactions(rows: dict[str, Dated], processor: str, end: date) -> Dated:
    """The processor's transactions recorded by the last night."""
    return [
        (day, txn)
        for day, txn in rows["processor_transactions"]
        if txn["processor"] == processor and day <= end
    ]


def _lines(rows: dict[str, Dated], end: date) -> dict[str, tuple[date, Row]]:
    """Settlement lines paid out by the last night, by psp reference."""
    return {
        str(row["psp_reference"]): (day, row)
        for day, row in rows["processor_settlements"]
        if day <= end
    }


def _signed(txn: Row) -> int:
    return int(txn["amount_minor"]) * (1 if txn["txn_type"] == "capture" else -1)


def _one_row(txn: Row, line: Row) -> bool:
    """One vendor row carries both: the line has the transaction's gross and fee."""
    return (line["gross_minor"], line["fee_minor"]) == (_signed(txn), txn["fee_minor"])


def _stripe(
    rows: dict[str, Dated], end: date, zone: ZoneInfo
) -> tuple[list[dict[str, object]], set[str]]:
    """One balance transaction per Stripe transaction, with its payout when paid out by the
    last night; returns the rows and the psp references they carry."""
    lines = _lines(rows, end)
    out, carried = [], set()
    for _, txn in _transactions(rows, "stripe", end):
        settled = lines.get(str(txn["psp_reference"]))
        if settled and not _one_row(txn, settled[1]):
            continue  # not one balance transaction: stays canonical
        signed, currency = _signed(txn), str(txn["currency"])
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
                "payout": settled[1]["payout_id"] if settled else "",
                "payout_at_utc": paid_at,
                "order": txn["order_ref"],
            }
        )
        carried.add(str(txn["psp_reference"]))
    return out, carried


def _paypal_amount(amount_minor: int, currency: str) -> str:
    """Unsigned, two implied decimals whatever the currency (JPY 2200 is `220000`)."""
    return str(int(to_major(abs(amount_minor), currency).scaleb(2)))


def _paypal_row(txn: Row, completed: datetime, zone: ZoneInfo) -> dict[str, object]:
    completed = completed.astimezone(zone)
    """An SB row of PayPal's STL/TRR layout for one transaction."""
    currency, signed, fee = str(txn["currency"]), _signed(txn), int(txn["fee_minor"])
    initiated = datetime.fromisoformat(str(txn["event_ts"])).astimezone(zone)
    return {
        "id": txn["psp_reference"],
        "order": txn["order_ref"],
        "code": PAYPAL_CODES[str(txn["txn_type"])],
        "initiated": f"{initiated:{PAYPAL_TS}}",
        "completed": f"{completed:{PAYPAL_TS}}",
        "sign": "CR" if signed > 0 else "DR",
        "gross": _paypal_amount(signed, currency),
        "currency": currency,
        "fee_sign": "DR",  # a fee PayPal keeps; the sample world returns none
        "fee": _paypal_amount(fee, currency),
        "fee_currency": currency,
    }


def _paypal(
    out_dir: Path, rows: dict[str, Dated], start: date, end: date, zone: ZoneInfo
) -> tuple[list[VendorExport], set[str], set[str]]:
    """PayPal's daily SFTP reports, one day per file in the retailer's zone (the reporting
    time zone of the account): the TRR lists every transaction of the day, the STL the lines
    settled that day, each with the transaction it carries (so only a line with its
    transaction's gross and fee). Returns the files, the transactions and the lines carried."""
    lines, exports = _lines(rows, end), []
    transactions = _transactions(rows, "paypal", end)
    by_reference = {str(txn["psp_reference"]): txn for _, txn in transactions}
    settled_lines = set()
    for day in days_between(start, end):
        opens = datetime.combine(day, time(), tzinfo=zone)
        closes = datetime.combine(day, time(23, 59, 59), tzinfo=zone)
        noon = datetime.combine(day, time(12), tzinfo=zone)
        heading = [
            ["RH", f"{closes + timedelta(hours=3):{PAYPAL_TS}}", "A", PAYPAL_ACCOUNT, "009"],
            ["FH", "01"],
            ["SH", f"{opens:{PAYPAL_TS}}", f"{closes:{PAYPAL_TS}}", PAYPAL_ACCOUNT, ""],
        ]
        settled = [
            by_reference[reference]
            for reference, (paid, line) in sorted(lines.items())
            if paid == day and reference in by_reference and _one_row(by_reference[reference], line)
        ]
        settled_lines.update(str(txn["psp_reference"]) for txn in settled)
        initiated = sorted(
            (txn for d, txn in transactions if d == day), key=lambda t: str(t["psp_reference"])
        )
        trr = [
            {**_paypal_row(t, datetime.fromisoformat(str(t["event_ts"])), zone), "status": "S"}
            for t in initiated
        ]
        stl = [_paypal_row(t, noon, zone) for t in settled]
        for name, body, keys in (
            (f"STL-{day:%Y%m%d}.01.009.CSV", stl, PAYPAL_STL_KEYS),
            (f"TRR-{day:%Y%m%d}.01.010.CSV", trr, (*PAYPAL_STL_KEYS, "status")),
        ):
            trailer = [["SC", str(len(body))], ["RC", str(len(body))], ["FF", "01"]]
            path = out_dir / "paypal" / name
            lead = ("CH", "SB")
            exports.append(_write(path, PAYPAL_COLUMNS, body, heading, keys, lead, trailer))
    return exports, set(by_reference), settled_lines


def _adyen(
    out_dir: Path, rows: dict[str, Dated], end: date, zone: ZoneInfo
) -> tuple[list[VendorExport], set[str]]:
    """Adyen's settlement details report, one file per batch (a payout of a merchant account):
    a Settled, Refunded or Chargeback row per line whose transaction was recorded with the
    line's fee (the report gives a transaction the fee of its line; gross and net are separate
    columns, so a line may settle another gross), then the MerchantPayout row. Returns the
    files and the psp references they carry (transaction and line alike)."""
    transactions = {str(t["psp_reference"]): t for _, t in _transactions(rows, "adyen", end)}
    captures = {
        str(t["order_ref"]): str(t["psp_reference"])
        for t in transactions.values()
        if t["txn_type"] == "capture"
    }
    payouts: dict[str, list[tuple[date, Row]]] = {}
    for day, line in sorted(_lines(rows, end).values(), key=lambda dl: str(dl[1]["psp_reference"])):
        if str(line["payout_id"]).startswith(ADYEN_MERCHANT_ACCOUNT.format(currency="")):
            payouts.setdefault(str(line["payout_id"]), []).append((day, line))
    exports, carried = [], set()
    for payout, paid in sorted(payouts.items()):
        merchant, _, batch = payout.partition("-batch-")
        body = []
        for _, line in paid:
            txn = transactions.get(str(line["psp_reference"]))
            if txn is None or txn["fee_minor"] != line["fee_minor"]:
                continue  # no row can show it: stays canonical
            currency, net = str(line["currency"]), int(line["net_minor"])
            created = datetime.fromisoformat(str(txn["event_ts"])).astimezone(zone)
            reference = str(txn["psp_reference"])
            modification = "" if txn["txn_type"] == "capture" else reference
            signed = _signed(txn)
            body.append(
                {
                    "merchant": merchant,
                    "psp": captures.get(str(txn["order_ref"]), reference)
                    if modification
                    else reference,
                    "order": txn["order_ref"],
                    "created": f"{created:{ADYEN_TS}}",
                    "tz": created.tzname(),
                    "type": ADYEN_TYPES[str(txn["txn_type"])],
                    "modification": modification,
                    "gross_currency": currency,
                    "gross_debit": _major(-signed, currency) if signed < 0 else "",
                    "gross_credit": _major(signed, currency) if signed > 0 else "",
                    "net_currency": currency,
                    "net_debit": _major(-net, currency) if net < 0 else "",
                    "net_credit": _major(net, currency) if net >= 0 else "",
                    "commission": _major(int(line["fee_minor"]), currency),
                    "batch": batch,
                }
            )
            carried.add(reference)
        if not body:
            continue
        day, currency = paid[0][0], str(paid[0][1]["currency"])
        total = sum(int(line["net_minor"]) for _, line in paid)
        paid_at = datetime.combine(day, time(12), tzinfo=zone)
        body.append(
            {
                **dict.fromkeys(body[0], ""),
                "merchant": merchant,
                "created": f"{paid_at:{ADYEN_TS}}",
                "tz": paid_at.tzname(),
                "type": "MerchantPayout",
                "net_currency": currency,
                "net_debit": _major(total, currency) if total >= 0 else "",
                "net_credit": _major(-total, currency) if total < 0 else "",
                "batch": batch,
            }
        )
        name = f"settlement_detail_report_{merchant}_batch_{batch}.csv"
        exports.append(_write(out_dir / "adyen" / name, ADYEN_COLUMNS, body))
    return exports, carried


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
                "cancelled": datetime.fromisoformat(str(cancel["event_ts"])).strftime(SHOPIFY_TS)
                if cancel
                else "",
                "gateway": SHOPIFY_GATEWAYS[str(order["payment_method"])],
                "refunded": _major(int(cancel["amount_minor"]) if cancel else 0, currency),
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
    paypal_exports, paypal_transactions, paypal_lines = _paypal(out_dir, rows, start, end, zone)
    adyen_exports, adyen_carried = _adyen(out_dir, rows, end, zone)
    orders, sold = _shopify_orders([(d, r) for d, r in rows["storefront_orders"] if d <= end])
    preamble, ledger = _xero([(d, r) for d, r in rows["ledger_entries"] if d <= end], start, end)
    exports = [
        _write(out_dir / "shopify" / f"orders_export_{period}.csv", shopify_orders.COLUMNS, orders),
        _write(
            out_dir / "stripe" / f"Itemised_balance_change_from_activity_{period}.csv",
            STRIPE_COLUMNS,
            stripe_rows,
        ),
        *paypal_exports,
        *adyen_exports,
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
            (d, r)
            for d, r in rows["processor_transactions"]
            if r["psp_reference"] not in carried | paypal_transactions | adyen_carried
        ],
        "processor_settlements": [
            (d, r)
            for d, r in rows["processor_settlements"]
            if r["psp_reference"] not in carried | paypal_lines | adyen_carried
        ],
        "shipments": [],
        "ledger_entries": [],
    }
    return exports, remaining
