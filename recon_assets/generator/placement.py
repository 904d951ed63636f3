"""Placing an injection: choosing its target and stating its break.

A `Job` reserves a target nobody else touched (an untouched order, a fresh phantom order
id), preferring one dated early enough that the break can be watched ageing inside the range
(past its SLA, or until its late counterpart lands), and builds the expected break for the
injection's check and kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import TypeVar

from recon_assets.generator.model import Order, World
from recon_assets.generator.oracle import ExpectedBreak, at_once, awaiting
from recon_assets.generator.simulation import sell
from recon_assets.legs import DEFAULT_SLA_DAYS

Target = TypeVar("Target")


class InjectionError(ValueError):
    """The generated range holds no record an injection could be placed on."""


@dataclass
class Job:
    """One injection being placed: the world, the random source, what and where."""

    world: World
    rng: Random
    kind: str
    check: str

    @property
    def sla(self) -> int:
        return DEFAULT_SLA_DAYS[self.check]

    def pick(
        self, candidates: Sequence[Target], day_of: Callable[[Target], date], horizon: int
    ) -> Target:
        """A random candidate, preferring those dated `horizon` nights before the last one."""
        if not candidates:
            raise InjectionError(f"cannot inject {self.kind}: no eligible record in the range")
        last = self.world.end - timedelta(days=horizon)
        roomy = [candidate for candidate in candidates if day_of(candidate) <= last]
        return self.rng.choice(roomy or candidates)

    def order(self, horizon: int, eligible: Callable[[Order], bool] = lambda _: True) -> Order:
        """An untouched sold order, now reserved for this injection."""
        candidates = [order for order in self.world.orders if order.untouched and eligible(order)]
        order = self.pick(candidates, lambda order: order.day, horizon)
        order.injected = self.kind
        return order

    def phantom(self, horizon: int) -> Order:
        """A fresh web order id that no storefront or till ever sold, dated in the range."""
        day = self.pick(self.world.days(), lambda day: day, horizon)
        order = sell(self.world, self.rng, day, sold=False)
        order.tender, order.injected = "card", self.kind
        self.world.orders.append(order)
        return order

    def awaiting(
        self, key: str, opened: date, arrival: date | None = None, then: str | None = None
    ) -> ExpectedBreak:
        return awaiting(self.check, key, self.kind, opened, arrival, then)

    def at_once(self, key: str, opened: date, klass: str) -> ExpectedBreak:
        return at_once(self.check, key, self.kind, opened, klass)

    def misstated(self, amount: int, most: int = 99) -> int:
        """`amount` overstated by 1 to `most` minor units.

        Over, never under, so that a leg summing several records cannot read it as a
        counterpart still in flight; and never by a power of ten, an exponent slip.
        """
        while True:
            wrong = amount + self.rng.randint(1, most)
            if wrong not in (amount * 10**k for k in (1, 2, 3)):
                return wrong


Injection = Callable[[Job], ExpectedBreak]
REGISTRY: dict[str, tuple[str, Injection]] = {}


def injection(check: str) -> Callable[[Injection], Injection]:
    """Register an injection under its function's name, the kind in --breaks."""

    def register(inject: Injection) -> Injection:
        REGISTRY[inject.__name__] = (check, inject)
        return inject

    return register
