"""Injected breaks: one tampered record (or summary journal) each, and the break it must raise.

Every injection picks a target nobody else touched (an order never refunded or charged back,
a fresh phantom order id, a store-day or payout of its own), so two injections never
interact. Each returns its expected break with its whole lifecycle, stated from the dates it
just scheduled. Targets are drawn, when the range allows, early enough that the break can be
watched ageing (past its SLA, or until its late counterpart lands) inside the range.
"""

from __future__ import annotations

from datetime import date
from random import Random

from recon_assets.generator.catalogue import POS, SALES, UNCHARTED_SALES, WEB
from recon_assets.generator.clock import ONE_DAY
from recon_assets.generator.model import OmsEntry, Order, Payment, Payout, SalePosting, World
from recon_assets.generator.oracle import ExpectedBreak
from recon_assets.generator.placement import REGISTRY, InjectionError, Job, injection
from recon_assets.generator.simulation import dispatch, give_back, transact
from recon_assets.legs import (
    CAPTURE_VS_SETTLEMENT,
    GENUINE_ERROR,
    MAPPING,
    PAYOUT_VS_BANK,
    POS_TAKINGS_VS_LEDGER,
    REFUND_VS_PROCESSOR_VS_LEDGER,
    SALE_VS_CAPTURE,
    SALE_VS_OMS,
    SALE_VS_SHIPMENT,
    WEB_SALE_VS_LEDGER,
    pos_store_day_key,
)

__all__ = ["INJECTION_KINDS", "InjectionError", "inject"]


def _captured_web(order: Order) -> bool:
    return order.channel == WEB and order.processor is not None


def _has_capture(order: Order) -> bool:
    return order.processor is not None


def _capture(order: Order) -> Payment:
    return order.transactions("capture")[0]


# sale <-> order management ------------------------------------------------------------


@injection(SALE_VS_OMS)
def missing_in_oms(job: Job) -> ExpectedBreak:
    order = job.order(job.sla)
    order.oms = None
    return job.awaiting(order.order_id, order.day)


@injection(SALE_VS_OMS)
def late_oms(job: Job) -> ExpectedBreak:
    order = job.order(1)
    order.oms.day = order.day + ONE_DAY
    return job.awaiting(order.order_id, order.day, arrival=order.oms.day)


@injection(SALE_VS_OMS)
def oms_without_sale(job: Job) -> ExpectedBreak:
    phantom = job.phantom(job.sla)
    phantom.oms = OmsEntry(phantom.day, phantom.total, phantom.units)
    return job.awaiting(phantom.order_id, phantom.day)


@injection(SALE_VS_OMS)
def oms_amount_differs(job: Job) -> ExpectedBreak:
    order = job.order(0)
    order.oms.amount = job.misstated(order.total)
    return job.at_once(order.order_id, order.day, GENUINE_ERROR)


@injection(SALE_VS_OMS)
def oms_exponent_slip(job: Job) -> ExpectedBreak:
    order = job.order(0)
    order.oms.amount = order.total * 100
    return job.at_once(order.order_id, order.day, MAPPING)


# sale <-> processor capture (web only: a till row carries its psp_reference, which would
# let a reader match a POS sale to its capture without the order key) -------------------


@injection(SALE_VS_CAPTURE)
def not_captured(job: Job) -> ExpectedBreak:
    order = job.order(job.sla, _captured_web)
    order.payments.remove(_capture(order))
    return job.awaiting(order.order_id, order.day)


@injection(SALE_VS_CAPTURE)
def capture_without_sale(job: Job) -> ExpectedBreak:
    phantom = job.phantom(job.sla)
    transact(job.world, job.rng, phantom, "capture", phantom.ts, phantom.total)
    return job.awaiting(phantom.order_id, phantom.day)


@injection(SALE_VS_CAPTURE)
def duplicate_capture(job: Job) -> ExpectedBreak:
    order = job.order(0, _captured_web)
    transact(job.world, job.rng, order, "capture", order.ts, order.total)
    return job.at_once(order.order_id, order.day, GENUINE_ERROR)


@injection(SALE_VS_CAPTURE)
def capture_key_mapping(job: Job) -> ExpectedBreak:
    order = job.order(0, _captured_web)
    _capture(order).order_ref = job.rng.choice(("#", "ORD-00")) + order.order_id
    return job.at_once(order.order_id, order.day, MAPPING)


# capture/refund <-> settlement (key: psp_reference) ------------------------------------


@injection(CAPTURE_VS_SETTLEMENT)
def not_settled(job: Job) -> ExpectedBreak:
    capture = _capture(job.order(job.sla, _has_capture))
    capture.settlement = None
    return job.awaiting(capture.psp_reference, capture.day)


@injection(CAPTURE_VS_SETTLEMENT)
def settlement_without_transaction(job: Job) -> ExpectedBreak:
    phantom = job.phantom(job.sla)
    # The processor settles a transaction its own transaction export never listed.
    stray = transact(job.world, job.rng, phantom, "capture", phantom.ts, phantom.total)
    stray.recorded = False
    stray.settlement.day = phantom.day
    return job.awaiting(stray.psp_reference, phantom.day)


@injection(CAPTURE_VS_SETTLEMENT)
def settlement_gross_differs(job: Job) -> ExpectedBreak:
    def settles_in_range(order: Order) -> bool:
        return _has_capture(order) and _capture(order).settlement.day <= job.world.end

    capture = _capture(job.order(0, settles_in_range))
    line = capture.settlement
    line.gross = job.misstated(line.gross)
    return job.awaiting(capture.psp_reference, capture.day, arrival=line.day, then=GENUINE_ERROR)


# sale <-> shipment ---------------------------------------------------------------------


def _ships(order: Order) -> bool:
    return order.expects_shipment


def _one_parcel(job: Job, units_extra: int = 0) -> tuple[Order, date]:
    """An order whose parcels are replaced by one, shipped the day its last parcel was."""

    def ships_in_range(order: Order) -> bool:
        return _ships(order) and max(s.day for s in order.shipments) <= job.world.end

    order = job.order(0, ships_in_range)
    day = max(shipment.day for shipment in order.shipments)
    order.shipments = [dispatch(job.world, job.rng, order, day, order.units + units_extra)]
    return order, day


@injection(SALE_VS_SHIPMENT)
def not_shipped(job: Job) -> ExpectedBreak:
    order = job.order(job.sla, _ships)
    order.shipments.clear()
    return job.awaiting(order.order_id, order.day)


@injection(SALE_VS_SHIPMENT)
def shipped_without_sale(job: Job) -> ExpectedBreak:
    phantom = job.phantom(job.sla)
    phantom.shipments.append(dispatch(job.world, job.rng, phantom, phantom.day, phantom.units))
    return job.awaiting(phantom.order_id, phantom.day)


@injection(SALE_VS_SHIPMENT)
def over_shipped(job: Job) -> ExpectedBreak:
    order, day = _one_parcel(job, units_extra=1)
    return job.awaiting(order.order_id, order.day, arrival=day, then=GENUINE_ERROR)


@injection(SALE_VS_SHIPMENT)
def shipment_key_mapping(job: Job) -> ExpectedBreak:
    order, day = _one_parcel(job)
    order.shipments[0].order_ref = "#" + order.order_id
    return job.awaiting(order.order_id, order.day, arrival=day, then=MAPPING)


# web sale <-> ledger -------------------------------------------------------------------


def _web(order: Order) -> bool:
    return order.channel == WEB


@injection(WEB_SALE_VS_LEDGER)
def ledger_not_posted(job: Job) -> ExpectedBreak:
    order = job.order(job.sla, _web)
    order.posting = None
    return job.awaiting(order.order_id, order.day)


@injection(WEB_SALE_VS_LEDGER)
def ledger_without_sale(job: Job) -> ExpectedBreak:
    phantom = job.phantom(job.sla)
    phantom.posting = SalePosting(phantom.day, SALES, phantom.total)
    return job.awaiting(phantom.order_id, phantom.day)


@injection(WEB_SALE_VS_LEDGER)
def ledger_amount_differs(job: Job) -> ExpectedBreak:
    order = job.order(0, _web)
    order.posting.amount = job.misstated(order.total)
    return job.at_once(order.order_id, order.day, GENUINE_ERROR)


@injection(WEB_SALE_VS_LEDGER)
def ledger_exponent_slip(job: Job) -> ExpectedBreak:
    order = job.order(0, _web)
    order.posting.amount = order.total * 100
    return job.at_once(order.order_id, order.day, MAPPING)


@injection(WEB_SALE_VS_LEDGER)
def ledger_unknown_account(job: Job) -> ExpectedBreak:
    order = job.order(0, _web)
    order.posting.account = UNCHARTED_SALES
    return job.at_once(order.order_id, order.day, MAPPING)


# POS takings <-> ledger (key: store-day) -----------------------------------------------


def _store_day(job: Job, horizon: int) -> tuple[str, date]:
    """A showroom day with sales, not yet tampered with, reserved for this injection."""
    world = job.world
    taken = world.takings_unposted | set(world.takings_overstated)
    store_days = sorted(
        {(o.store_id, o.day) for o in world.orders if o.sold and o.channel == POS} - taken
    )
    return job.pick(store_days, lambda store_day: store_day[1], horizon)


@injection(POS_TAKINGS_VS_LEDGER)
def pos_takings_not_posted(job: Job) -> ExpectedBreak:
    store_id, day = _store_day(job, job.sla)
    job.world.takings_unposted.add((store_id, day))
    return job.awaiting(pos_store_day_key(store_id, day.isoformat()), day)


@injection(POS_TAKINGS_VS_LEDGER)
def pos_takings_amount_differs(job: Job) -> ExpectedBreak:
    store_id, day = _store_day(job, 0)
    sales = sum(
        order.total
        for order in job.world.orders
        if order.sold and (order.store_id, order.day) == (store_id, day)
    )
    job.world.takings_overstated[store_id, day] = job.misstated(sales) - sales
    return job.at_once(pos_store_day_key(store_id, day.isoformat()), day, GENUINE_ERROR)


# refund <-> processor <-> ledger (D0: the refund's date) -------------------------------


def _web_refund(job: Job, horizon: int, units: int = 1) -> tuple[Order, Payment | None]:
    """A web card or PayPal order refunded the next day, leaving `horizon` nights to watch."""

    def refundable(order: Order) -> bool:
        return _captured_web(order) and order.units > units

    order = job.order(horizon + 1, refundable)
    refund = give_back(job.world, job.rng, order, "refund", order.day + ONE_DAY, units)
    return order, refund


@injection(REFUND_VS_PROCESSOR_VS_LEDGER)
def refund_missing_at_processor(job: Job) -> ExpectedBreak:
    order, refund = _web_refund(job, job.sla)
    order.payments.remove(refund.payment)
    refund.payment = None
    return job.awaiting(order.order_id, refund.day)


@injection(REFUND_VS_PROCESSOR_VS_LEDGER)
def refund_not_in_ledger(job: Job) -> ExpectedBreak:
    order, refund = _web_refund(job, job.sla)
    refund.posted = False
    return job.awaiting(order.order_id, refund.day)


@injection(REFUND_VS_PROCESSOR_VS_LEDGER)
def refund_amount_differs(job: Job) -> ExpectedBreak:
    order, refund = _web_refund(job, 0)
    # The processor refunds more than the storefront did (still no more than was captured);
    # its settlement line follows the processor, so only this leg breaks.
    processor_refund = refund.payment
    processor_refund.amount = job.misstated(refund.amount, order.total - refund.amount)
    processor_refund.settlement.gross = -processor_refund.amount
    return job.at_once(order.order_id, refund.day, GENUINE_ERROR)


# payout <-> ledger bank (key: payout id, D0: the settled date) --------------------------


def _payout(job: Job, horizon: int) -> Payout:
    """A payout in the range with a positive net whose lines no injection touched."""
    world = job.world
    taken = world.bank_unposted | set(world.bank_overstated)
    candidates = [
        payout
        for payout in world.payouts().values()
        if payout.day <= world.end
        and payout.payout_id not in taken
        and sum(payment.settlement.net for _, payment in payout.lines) > 0
        and all(order.injected is None for order, _ in payout.lines)
    ]
    return job.pick(candidates, lambda payout: payout.day, horizon)


@injection(PAYOUT_VS_BANK)
def payout_not_in_bank(job: Job) -> ExpectedBreak:
    payout = _payout(job, job.sla)
    job.world.bank_unposted.add(payout.payout_id)
    return job.awaiting(payout.payout_id, payout.day)


@injection(PAYOUT_VS_BANK)
def payout_amount_differs(job: Job) -> ExpectedBreak:
    payout = _payout(job, 0)
    net = sum(payment.settlement.net for _, payment in payout.lines)
    job.world.bank_overstated[payout.payout_id] = job.misstated(net, most=9) - net
    return job.at_once(payout.payout_id, payout.day, GENUINE_ERROR)


INJECTION_KINDS: tuple[str, ...] = tuple(REGISTRY)


def inject(
    world: World, rng: Random, counts: dict[str, int]
) -> tuple[list[ExpectedBreak], dict[str, int]]:
    """Place `counts[kind]` breaks of each kind, in the fixed order of INJECTION_KINDS; and
    how many of each kind were left out because the range is too short to show them.

    A break left out is open on no night of the range (e.g. a refund due after its last
    night): its records are outside the files, and the oracle expects nothing of it."""
    expected: list[ExpectedBreak] = []
    skipped: dict[str, int] = {}
    nights = world.days()
    for kind in INJECTION_KINDS:
        check, place = REGISTRY[kind]
        for _ in range(counts.get(kind, 0)):
            placed = place(Job(world, rng, kind, check))
            if any(placed.class_on(night) for night in nights):
                expected.append(placed)
            else:
                skipped[kind] = skipped.get(kind, 0) + 1
    return expected, skipped
