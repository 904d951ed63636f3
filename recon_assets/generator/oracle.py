"""The breaks the reconciliation must report, night by night, known by construction.

Each injection states its own break and lifecycle when it tampers with a record. On top of
those, the in-flight items are read off the schedule: a processor transaction waits for its
settlement line, an order that ships waits for its parcels. Nothing here matches records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from recon_assets.generator.model import Order, World
from recon_assets.legs import (
    CAPTURE_VS_SETTLEMENT,
    DEFAULT_SLA_DAYS,
    GENUINE_ERROR,
    SALE_VS_SHIPMENT,
    TIMING,
)

IN_FLIGHT = "in_flight"

EXPECTED_COLUMNS = ("recon_date", "check", "key", "class", "kind", "injected")


@dataclass(frozen=True)
class ExpectedBreak:
    check: str
    key: str
    kind: str
    # From each date on, the class reported (None: resolved), in date order.
    phases: tuple[tuple[date, str | None], ...]

    def class_on(self, night: date) -> str | None:
        current = None
        for since, klass in self.phases:
            if since <= night:
                current = klass
        return current


def awaiting(
    check: str,
    key: str,
    kind: str,
    opened: date,
    arrival: date | None = None,
    then: str | None = None,
) -> ExpectedBreak:
    """A missing counterpart: `timing` until the leg's SLA lapses, `genuine_error` after.

    When the counterpart arrives (its file date) the break resolves, or turns into `then`
    when what arrives is itself wrong (too many units, reachable only through a mapping).
    """
    lapse = opened + timedelta(days=DEFAULT_SLA_DAYS[check])
    phases: list[tuple[date, str | None]] = [(opened, TIMING), (lapse, GENUINE_ERROR)]
    if arrival is not None:
        phases = [phase for phase in phases if phase[0] < arrival] + [(arrival, then)]
    return ExpectedBreak(check, key, kind, tuple(phases))


def at_once(check: str, key: str, kind: str, opened: date, klass: str) -> ExpectedBreak:
    """A present counterpart that is wrong: reported from its first night, never resolving."""
    return ExpectedBreak(check, key, kind, ((opened, klass),))


def _parcels_complete(order: Order) -> date | None:
    """The night nothing more is owed to ship: the cancel, or the parcel completing the units."""
    cancels = [refund.day for refund in order.returns if refund.event_type == "cancel"]
    if cancels:
        return min(cancels)
    shipped = 0
    for shipment in sorted(order.shipments, key=lambda shipment: shipment.day):
        shipped += shipment.units
        if shipped >= order.units:
            return shipment.day
    return None


def in_flight(world: World) -> list[ExpectedBreak]:
    """Counterparts that take time by nature: settlement lines and parcels."""
    waiting = []
    for order in world.orders:
        for payment in order.payments:
            if payment.recorded:
                settled = payment.settlement.day if payment.settlement else None
                waiting.append(
                    awaiting(
                        CAPTURE_VS_SETTLEMENT,
                        payment.psp_reference,
                        IN_FLIGHT,
                        payment.day,
                        settled,
                    )
                )
        if order.sold and order.expects_shipment:
            waiting.append(
                awaiting(
                    SALE_VS_SHIPMENT, order.order_id, IN_FLIGHT, order.day, _parcels_complete(order)
                )
            )
    return waiting


def expected_rows(world: World, injected: list[ExpectedBreak]) -> list[dict[str, str]]:
    """One row per night of the range per break open that night, sorted."""
    breaks: dict[tuple[str, str], ExpectedBreak] = {}
    for expected in injected:
        if (expected.check, expected.key) in breaks:
            raise RuntimeError(f"two injections on {expected.check} {expected.key}")
        breaks[expected.check, expected.key] = expected
    for expected in in_flight(world):
        # An injection on the same check and key states its whole lifecycle itself.
        breaks.setdefault((expected.check, expected.key), expected)
    rows = []
    for night in world.days():
        for expected in breaks.values():
            klass = expected.class_on(night)
            if klass is not None:
                rows.append(
                    {
                        "recon_date": night.isoformat(),
                        "check": expected.check,
                        "key": expected.key,
                        "class": klass,
                        "kind": expected.kind,
                        "injected": "false" if expected.kind == IN_FLIGHT else "true",
                    }
                )
    return sorted(rows, key=lambda row: (row["recon_date"], row["check"], row["key"]))
