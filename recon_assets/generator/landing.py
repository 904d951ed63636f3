"""The world as the seven source systems deliver it: canonical rows, each with its file date.

Ledger conventions are DESIGN.md section 4; the column order is the sources catalogue's.
Rows dated after the last night are kept here and dropped by the writer: those
counterparts are still in flight.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from recon_assets.generator.catalogue import (
    BANK,
    PROCESSOR_CLEARING,
    PROCESSOR_FEES,
    REFUNDS,
    SALES,
    TENDER_ACCOUNT,
    WEB,
)
from recon_assets.generator.model import Order, World, payout_id
from recon_assets.legs import pos_store_day_key
from recon_assets.sources.catalog import SOURCES

Row = dict[str, object]
Dated = list[tuple[date, Row]]


def landing_rows(world: World) -> dict[str, Dated]:
    """Every source's rows, each with the business date of the file it lands in."""
    sources: dict[str, Dated] = {spec.name: [] for spec in SOURCES}
    for order in world.orders:
        if order.sold:
            till = "storefront_orders" if order.channel == WEB else "pos_transactions"
            sources[till].extend(_till_rows(order))
        if order.oms is not None:
            sources["oms_orders"].append((order.oms.day, _oms_row(order)))
        sources["processor_transactions"].extend(_processor_rows(order))
        sources["processor_settlements"].extend(_settlement_rows(order))
        sources["shipments"].extend(
            (
                shipment.day,
                {
                    "shipment_id": shipment.shipment_id,
                    "order_ref": shipment.order_ref,
                    "shipped_ts": shipment.ts.isoformat(),
                    "carrier": shipment.carrier,
                    "tracking": shipment.tracking,
                    "units": shipment.units,
                },
            )
            for shipment in order.shipments
        )
    sources["ledger_entries"] = _ledger_rows(world)
    return sources


def _till_rows(order: Order) -> Dated:
    """The sale and its refunds or cancels, as the storefront or the showroom till logs them."""
    capture = order.transactions("capture")
    events = [
        (
            "order" if order.channel == WEB else "sale",
            order.day,
            order.ts,
            order.total,
            order.units,
            capture[0].psp_reference if capture else "",
        )
    ]
    events += [
        (
            refund.event_type,
            refund.day,
            refund.ts,
            refund.amount,
            refund.units,
            refund.payment.psp_reference if refund.payment else "",
        )
        for refund in order.returns
    ]
    rows: Dated = []
    for number, (event_type, day, ts, amount, units, psp_reference) in enumerate(events):
        if order.channel == WEB:
            row: Row = {
                "event_id": f"{order.order_id}-{number:02d}",
                "order_id": order.order_id,
                "event_type": event_type,
                "event_ts": ts.isoformat(),
                "currency": order.currency,
                "amount_minor": amount,
                "units": units,
                "payment_method": order.tender,
            }
        else:
            row = {
                "txn_id": f"{order.store_id}-{order.order_id}-{number:02d}",
                "store_id": order.store_id,
                "order_id": order.order_id,
                "txn_type": event_type,
                "event_ts": ts.isoformat(),
                "currency": order.currency,
                "amount_minor": amount,
                "units": units,
                "tender": order.tender,
                "psp_reference": psp_reference,
                "fulfilment": order.fulfilment,
            }
        rows.append((day, row))
    return rows


def _oms_row(order: Order) -> Row:
    return {
        "order_id": order.order_id,
        "channel": order.channel,
        "created_ts": order.ts.isoformat(),
        "currency": order.currency,
        "amount_minor": order.oms.amount,
        "units": order.oms.units,
    }


def _processor_rows(order: Order) -> Dated:
    return [
        (
            payment.day,
            {
                "psp_reference": payment.psp_reference,
                "order_ref": payment.order_ref,
                "processor": payment.processor,
                "txn_type": payment.txn_type,
                "event_ts": payment.ts.isoformat(),
                "currency": payment.currency,
                "amount_minor": payment.amount,
                "fee_minor": payment.fee,
            },
        )
        for payment in order.payments
        if payment.recorded
    ]


def _settlement_rows(order: Order) -> Dated:
    return [
        (
            payment.settlement.day,
            {
                # One line per transaction, so the reference makes a stable line id.
                "settlement_line_id": f"SL-{payment.psp_reference}",
                "psp_reference": payment.psp_reference,
                "payout_id": payout_id(payment.processor, payment.currency, payment.settlement.day),
                "settled_date": payment.settlement.day.isoformat(),
                "currency": payment.currency,
                "gross_minor": payment.settlement.gross,
                "fee_minor": payment.settlement.fee,
                "net_minor": payment.settlement.net,
            },
        )
        for payment in order.payments
        if payment.settlement is not None
    ]


# A ledger line before it gets its entry id: date, reference, account, currency, signed amount
# (debit positive), memo.
Posting = tuple[date, str, str, str, int, str]


def _ledger_rows(world: World) -> Dated:
    postings = _web_postings(world) + _takings_postings(world) + _payout_postings(world)
    rows: Dated = []
    per_day: dict[date, int] = defaultdict(int)
    for day, reference, account, currency, amount, memo in sorted(postings):
        per_day[day] += 1
        row: Row = {
            "entry_id": f"JE{day:%Y%m%d}-{per_day[day]:04d}",
            "posting_date": day.isoformat(),
            "account": account,
            "reference": reference,
            "currency": currency,
            "debit_minor": max(amount, 0),
            "credit_minor": max(-amount, 0),
            "memo": memo,
        }
        rows.append((day, row))
    return rows


def _journal(
    day: date, reference: str, currency: str, memo: str, lines: list[tuple[str, int]]
) -> list[Posting]:
    """One journal; zero lines are left out (a zero total needs no record)."""
    return [
        (day, reference, account, currency, amount, memo) for account, amount in lines if amount
    ]


def _web_postings(world: World) -> list[Posting]:
    postings: list[Posting] = []
    for order in world.orders:
        tender_account = TENDER_ACCOUNT[order.tender]
        if order.posting is not None:
            sale = order.posting
            postings += _journal(
                sale.day,
                order.order_id,
                order.currency,
                f"Web order {order.order_id}",
                [(sale.account, -sale.amount), (tender_account, sale.amount)],
            )
        if order.channel != WEB:
            continue
        for refund in order.returns:
            if refund.posted:
                postings += _journal(
                    refund.day,
                    order.order_id,
                    order.currency,
                    f"Web {refund.event_type} {order.order_id}",
                    [(REFUNDS, refund.amount), (tender_account, -refund.amount)],
                )
    return postings


def _takings_postings(world: World) -> list[Posting]:
    """One journal per showroom and day: sales, refunds, and each tender's net takings."""
    takings: dict[tuple[str, date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order in world.orders:
        if order.channel == WEB or not order.sold:
            continue
        day_book = takings[order.store_id, order.day, order.currency]
        day_book[SALES] -= order.total
        day_book[TENDER_ACCOUNT[order.tender]] += order.total
        for refund in order.returns:
            day_book = takings[order.store_id, refund.day, order.currency]
            day_book[REFUNDS] += refund.amount
            day_book[TENDER_ACCOUNT[order.tender]] -= refund.amount
    postings: list[Posting] = []
    for (store_id, day, currency), day_book in sorted(takings.items()):
        if (store_id, day) in world.takings_unposted:
            continue
        day_book[SALES] -= world.takings_overstated.get((store_id, day), 0)
        postings += _journal(
            day,
            pos_store_day_key(store_id, day.isoformat()),
            currency,
            f"Takings {store_id} {day.isoformat()}",
            sorted(day_book.items()),
        )
    return postings


def _payout_postings(world: World) -> list[Posting]:
    """Bank receives the net, fees are expensed, the clearing account gives up the gross."""
    postings: list[Posting] = []
    for payout in world.payouts().values():
        if payout.payout_id in world.bank_unposted:
            continue
        settlements = [payment.settlement for _, payment in payout.lines]
        net = sum(settlement.net for settlement in settlements)
        fees = sum(settlement.fee for settlement in settlements)
        postings += _journal(
            payout.day,
            payout.payout_id,
            payout.currency,
            f"{payout.processor} payout {payout.payout_id}",
            [
                (BANK, net + world.bank_overstated.get(payout.payout_id, 0)),
                (PROCESSOR_FEES, fees),
                (PROCESSOR_CLEARING, -(net + fees)),
            ],
        )
    return postings
