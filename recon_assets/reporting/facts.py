"""The night's facts, read from the warehouse: everything the report may say, nothing more."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from recon_assets.history import previous_night_reconciled
from recon_assets.legs import CLASSES, GENUINE_ERROR, KNOWN_ACCEPTED, MAPPING
from recon_assets.rules import NextSteps, Scope, ScopeGap
from recon_assets.sources.catalog import SOURCES
from recon_assets.warehouse import Warehouse

# The classes a person has to act on; timing and accepted breaks are only counted.
NEEDS_A_PERSON = (GENUINE_ERROR, MAPPING)


@dataclass(frozen=True)
class Break:
    break_id: str
    check: str
    key: str
    cls: str
    kind: str
    reason: str
    owner: str
    first_seen: str
    age_days: int
    amount_minor: int | None
    currency: str | None
    accepted_rule: str | None
    rule_not_applied: str | None = None
    next_step: str = ""


@dataclass(frozen=True)
class OrdersTied:
    """Orders touched tonight in one currency: tied, in flight and needing a person add up."""

    currency: str | None
    orders: int
    sale_minor: int
    tied_orders: int
    tied_minor: int
    in_flight_orders: int = 0
    needs_a_person_orders: int = 0


@dataclass(frozen=True)
class Chargeback:
    """A chargeback delivered tonight: information for the report, never a break."""

    psp_reference: str
    order_ref: str
    processor: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class FailedCheck:
    asset: str
    check: str


@dataclass(frozen=True)
class NightFacts:
    recon_date: str
    breaks: tuple[Break, ...]
    orders: tuple[OrdersTied, ...]
    delivered: tuple[str, ...]  # sources in scope that delivered a file for the night
    missing: tuple[str, ...]  # sources in scope that did not (or whose asset did not run)
    resolved: int
    failed_checks: tuple[FailedCheck, ...] = ()
    expiring_rules: tuple[tuple[str, str], ...] = ()  # (rule id, expiry date), soonest first
    first_night: bool = False  # the retailer's first night: earlier counterparts are unseen
    history_complete: bool = True  # the night before was reconciled (or this is the first)
    chargebacks: tuple[Chargeback, ...] = ()
    # Sources not in scope tonight (rules/scope.yaml), why, and the leg parts they stop.
    not_reconciled: tuple[ScopeGap, ...] = ()

    @property
    def needs_a_person(self) -> tuple[Break, ...]:
        return tuple(b for b in self.breaks if b.cls in NEEDS_A_PERSON)

    @property
    def clean(self) -> bool:
        """DESIGN.md section 5: every source delivered, no open genuine_error or mapping break.

        A failed upstream check or a night before that was never reconciled also means the
        night cannot be vouched for.
        """
        return self.history_complete and not (
            self.missing or self.failed_checks or self.needs_a_person
        )

    @property
    def by_class(self) -> dict[str, int]:
        counts = Counter(b.cls for b in self.breaks)
        return {c: counts.get(c, 0) for c in CLASSES}

    @property
    def new_tonight(self) -> int:
        return sum(1 for b in self.breaks if b.first_seen == self.recon_date)

    @property
    def accepted_by_rule(self) -> dict[str, int]:
        counts = Counter(
            b.accepted_rule or "unnamed rule" for b in self.breaks if b.cls == KNOWN_ACCEPTED
        )
        return dict(sorted(counts.items()))

    @property
    def orders_touched(self) -> int:
        return sum(o.orders for o in self.orders)

    @property
    def orders_tied(self) -> int:
        return sum(o.tied_orders for o in self.orders)

    @property
    def orders_in_flight(self) -> int:
        return sum(o.in_flight_orders for o in self.orders)

    @property
    def orders_needing_a_person(self) -> int:
        return sum(o.needs_a_person_orders for o in self.orders)

    @property
    def not_accepted_by_rule(self) -> dict[str, int]:
        """Breaks an accepted rule selected but could not accept (amount moved, or capped)."""
        counts = Counter(b.rule_not_applied for b in self.breaks if b.rule_not_applied)
        return dict(sorted(counts.items()))


def gather_facts(
    warehouse: Warehouse,
    recon_date: date,
    failed_checks: tuple[FailedCheck, ...] = (),
    *,
    first_night: date | None = None,
    next_steps: NextSteps | None = None,
    scope: Scope | None = None,
) -> NightFacts:
    """Reads classified_variances, matched_ledger, source_deliveries, break_resolutions,
    tonight's chargebacks and whether the night before was reconciled."""
    with warehouse.session() as session:

        def rows(name: str) -> list[dict[str, Any]]:
            # Plain rows straight from the warehouse: no data frame between (13,000 open
            # breaks took 0.35 s a night through one).
            return session.rows(f"reporting/{name}", {"recon_date": recon_date})

        breaks_rows, orders_rows = rows("breaks"), rows("orders_tied")
        delivery_rows, (resolved,) = rows("deliveries"), rows("resolved")
        chargeback_rows = rows("chargebacks")
        is_first = recon_date == first_night
        history_complete = is_first or previous_night_reconciled(session, recon_date)
    breaks = tuple(
        Break(
            break_id=r["break_id"],
            check=r["check_name"],
            key=r["key"],
            cls=r["class"],
            kind=r["kind"],
            reason=r["reason"],
            owner=r["owner"],
            first_seen=r["first_seen"],
            age_days=int(r["age_days"]),
            amount_minor=None if r["amount_minor"] is None else int(r["amount_minor"]),
            currency=r["currency"],
            accepted_rule=r["accepted_rule"],
            rule_not_applied=r["rule_not_applied"],
            next_step=next_steps.of(r["check_name"], r["kind"]) if next_steps else "",
        )
        for r in breaks_rows
    )
    orders = tuple(
        OrdersTied(
            r["currency"],
            int(r["orders"]),
            int(r["sale_minor"]),
            int(r["tied_orders"]),
            int(r["tied_minor"]),
            int(r["in_flight_orders"]),
            int(r["needs_a_person_orders"]),
        )
        for r in orders_rows
    )
    delivered = {r["source"] for r in delivery_rows if r["delivered"]}
    scope = scope or Scope()
    # A source out of scope is not expected to deliver; one in scope that did not is missing.
    in_scope = [s.name for s in SOURCES if scope.in_scope(s.name, recon_date)]
    return NightFacts(
        recon_date=recon_date.isoformat(),
        breaks=breaks,
        orders=orders,
        delivered=tuple(s for s in in_scope if s in delivered),
        missing=tuple(s for s in in_scope if s not in delivered),
        resolved=int(resolved["resolved"]),
        failed_checks=tuple(sorted(set(failed_checks), key=lambda c: (c.asset, c.check))),
        first_night=is_first,
        history_complete=history_complete,
        chargebacks=tuple(
            Chargeback(
                r["psp_reference"],
                r["order_ref"],
                r["processor"],
                r["currency"],
                int(r["amount_minor"]),
            )
            for r in chargeback_rows
        ),
        not_reconciled=scope.not_reconciled(recon_date),
    )
