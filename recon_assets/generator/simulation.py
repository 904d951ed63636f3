"""A few weeks of trading: each day's orders and everything that follows them.

Every counterpart the reconciliation checks is scheduled on the sale's (or refund's) own
business date, except the two that really take time: settlement (1-3 days after the
transaction) and shipment (0-2 days after the sale). Both stay inside their leg's SLA, so
clean data only ever shows them as in-flight `timing` items.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random

from recon_assets.generator.catalogue import (
    CARRIERS,
    CHANNEL_WEIGHTS,
    DELIVERY_FEE,
    FREE_DELIVERY_FROM,
    POS,
    POS_SHIP_SHARE,
    POS_TENDERS,
    PROCESSORS,
    PRODUCTS,
    SALES,
    STORES,
    WEB,
    WEB_CURRENCIES,
    WEB_TENDERS,
)
from recon_assets.generator.clock import moment
from recon_assets.generator.model import (
    OmsEntry,
    Order,
    Payment,
    Return,
    SalePosting,
    Settlement,
    Shipment,
    World,
)

SETTLEMENT_LAG_DAYS = (1, 3)
SHIPMENT_LAG_DAYS = (0, 2)
REFUND_LAG_DAYS = (1, 5)
CHARGEBACK_LAG_DAYS = (2, 6)

WEB_CANCEL_SHARE = 0.04
REFUND_SHARE = 0.08
PARTIAL_REFUND_SHARE = 0.6
CHARGEBACK_SHARE = 0.02
SPLIT_SHIPMENT_SHARE = 0.2

_STORES = {store.store_id: store for store in STORES}


def _pick(rng: Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def trade(world: World, rng: Random, orders_per_day: int) -> None:
    """Schedule every day's orders and their follow-ups (cancels, refunds, chargebacks)."""
    for day in world.days():
        for _ in range(orders_per_day):
            order = sell(world, rng, day)
            world.orders.append(order)
            _follow_up(world, rng, order)


def sell(world: World, rng: Random, day: date, *, sold: bool = True) -> Order:
    """One sale with its same-day OMS row, capture and ledger posting, and its shipments.

    With `sold=False` it is only a basket with an order id (a phantom), for injections
    that need an order other systems know and no till or storefront ever sold.
    """
    channel = _pick(rng, CHANNEL_WEIGHTS)
    if channel == WEB or not sold:
        store_id, currency = None, _pick(rng, WEB_CURRENCIES)
        tender, fulfilment = _pick(rng, WEB_TENDERS), "ship"
    else:
        store_id, currency = channel, _STORES[channel].currency
        tender = _pick(rng, POS_TENDERS)
        fulfilment = "ship" if rng.random() < POS_SHIP_SHARE else "carry_out"
    basket_size = rng.choices((1, 2, 3, 4), weights=(5, 3, 2, 1))[0]
    unit_prices = tuple(rng.choice(PRODUCTS).prices[currency] for _ in range(basket_size))
    delivery_fee = 0
    if fulfilment == "ship" and sum(unit_prices) < FREE_DELIVERY_FROM[currency]:
        delivery_fee = DELIVERY_FEE[currency]
    order = Order(
        order_id=world.new_order_id(),
        channel=WEB if store_id is None else POS,
        store_id=store_id,
        day=day,
        ts=moment(rng, day, world.zone),
        currency=currency,
        unit_prices=unit_prices,
        delivery_fee=delivery_fee,
        tender=tender,
        fulfilment=fulfilment,
        sold=sold,
    )
    if not sold:
        return order
    order.oms = OmsEntry(day, order.total, order.units)
    if order.channel == WEB:
        order.posting = SalePosting(day, SALES, order.total)
    if order.processor is not None:
        transact(world, rng, order, "capture", order.ts, order.total)
    if order.expects_shipment:
        _ship(world, rng, order)
    return order


def transact(
    world: World, rng: Random, order: Order, txn_type: str, ts: datetime, amount: int
) -> Payment:
    """A processor transaction for the order at `ts`, settled 1-3 days later."""
    processor = PROCESSORS[order.processor]
    fee = 0  # refunds cost nothing, and the processor keeps nothing back on them
    if txn_type == "capture":
        fee = processor.capture_fee(amount)
    elif txn_type == "chargeback":
        fee = processor.chargeback_fee_minor
    day = ts.date()
    lag = timedelta(days=rng.randint(*SETTLEMENT_LAG_DAYS))
    gross = amount if txn_type == "capture" else -amount
    payment = Payment(
        psp_reference=world.new_psp_reference(rng, processor.name, txn_type),
        order_ref=order.order_id,
        processor=processor.name,
        txn_type=txn_type,
        day=day,
        ts=ts,
        currency=order.currency,
        amount=amount,
        fee=fee,
        settlement=Settlement(day + lag, gross, fee),
    )
    order.payments.append(payment)
    return payment


def give_back(
    world: World, rng: Random, order: Order, event_type: str, day: date, units: int
) -> Return:
    """A refund or cancel of `units` units, the same day at the processor and in the ledger."""
    amount = order.total if units == order.units else sum(order.unit_prices[:units])
    ts = moment(rng, day, world.zone)
    payment = None
    if order.processor is not None:
        payment = transact(world, rng, order, "refund", ts, amount)
    refund = Return(event_type, day, ts, amount, units, payment)
    order.returns.append(refund)
    return refund


def _ship(world: World, rng: Random, order: Order) -> None:
    """One parcel, or two on different days when the basket is split across the warehouse."""
    first_lag = rng.randint(*SHIPMENT_LAG_DAYS)
    parcels = [(first_lag, order.units)]
    if order.units > 1 and rng.random() < SPLIT_SHIPMENT_SHARE:
        second_lag = rng.randint(first_lag, SHIPMENT_LAG_DAYS[1])
        first_units = rng.randint(1, order.units - 1)
        parcels = [(first_lag, first_units), (second_lag, order.units - first_units)]
    for lag, units in parcels:
        order.shipments.append(dispatch(world, rng, order, order.day + timedelta(days=lag), units))


def dispatch(world: World, rng: Random, order: Order, day: date, units: int) -> Shipment:
    carrier = rng.choice(CARRIERS[order.currency])
    return Shipment(
        shipment_id=world.new_shipment_id(),
        order_ref=order.order_id,
        day=day,
        ts=moment(rng, day, world.zone),
        carrier=carrier,
        tracking=f"{carrier[:2].upper()}{rng.randint(10**11, 10**12 - 1)}",
        units=units,
    )


def _follow_up(world: World, rng: Random, order: Order) -> None:
    """At most one of: a web cancel before shipment, a refund, a chargeback."""
    roll = rng.random()
    if order.channel == WEB and roll < WEB_CANCEL_SHARE:
        # Cancelled before the parcel left: the warehouse never ships it.
        cancel_day = min(shipment.day for shipment in order.shipments)
        order.shipments.clear()
        give_back(world, rng, order, "cancel", cancel_day, order.units)
    elif roll < WEB_CANCEL_SHARE + REFUND_SHARE:
        day = order.day + timedelta(days=rng.randint(*REFUND_LAG_DAYS))
        partial = order.units > 1 and rng.random() < PARTIAL_REFUND_SHARE
        give_back(world, rng, order, "refund", day, 1 if partial else order.units)
    elif order.tender == "card" and roll < WEB_CANCEL_SHARE + REFUND_SHARE + CHARGEBACK_SHARE:
        day = order.day + timedelta(days=rng.randint(*CHARGEBACK_LAG_DAYS))
        transact(world, rng, order, "chargeback", moment(rng, day, world.zone), order.total)
