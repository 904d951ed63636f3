"""What happened to each order, in every system, on which business date.

The simulation schedules these records; the injections then tamper with a few of them; the
landing rows and the expected breaks are both read off the same objects, so the oracle knows
every record's date by construction.
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from random import Random
from zoneinfo import ZoneInfo

from recon_assets.generator.catalogue import (
    ADYEN_MERCHANT_ACCOUNT,
    FIRST_ORDER_NUMBER,
    PAYPAL_ACCOUNT,
    POS,
    PROCESSOR_FOR,
    WEB,
)
from recon_assets.generator.clock import days_between


@dataclass
class Settlement:
    day: date
    gross: int  # signed: capture +, refund and chargeback -
    fee: int

    @property
    def net(self) -> int:
        return self.gross - self.fee


@dataclass
class Payment:
    """A processor transaction: a capture, a refund or a chargeback."""

    psp_reference: str
    order_ref: str
    processor: str
    txn_type: str
    day: date
    ts: datetime
    currency: str
    amount: int
    fee: int
    settlement: Settlement | None
    # False when the processor's transaction export never carried it (only its settlement).
    recorded: bool = True


@dataclass
class Return:
    """A refund or, on the web before shipment, a cancel."""

    event_type: str
    day: date
    ts: datetime
    amount: int
    units: int
    payment: Payment | None  # the processor refund, when the tender needs one
    posted: bool = True  # web only: its 4010 debit was posted (POS posts per store-day)


@dataclass
class Shipment:
    shipment_id: str
    order_ref: str
    day: date
    ts: datetime
    carrier: str
    tracking: str
    units: int


@dataclass
class OmsEntry:
    day: date
    amount: int
    units: int


@dataclass
class SalePosting:
    """The web sale journal: credit sales, debit the tender's account."""

    day: date
    account: str
    amount: int


@dataclass
class Order:
    order_id: str
    channel: str  # web | pos
    store_id: str | None
    day: date
    ts: datetime
    currency: str
    unit_prices: tuple[int, ...]
    delivery_fee: int
    tender: str
    fulfilment: str  # ship | carry_out
    # False for a phantom: an order id that other systems carry but no till or storefront sold.
    sold: bool = True
    oms: OmsEntry | None = None
    posting: SalePosting | None = None
    payments: list[Payment] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    injected: str | None = None

    @property
    def total(self) -> int:
        return sum(self.unit_prices) + self.delivery_fee

    @property
    def units(self) -> int:
        return len(self.unit_prices)

    @property
    def processor(self) -> str | None:
        return PROCESSOR_FOR.get((WEB if self.channel == WEB else POS, self.tender))

    @property
    def expects_shipment(self) -> bool:
        return self.fulfilment == "ship"

    def transactions(self, txn_type: str) -> list[Payment]:
        return [payment for payment in self.payments if payment.txn_type == txn_type]

    @property
    def untouched(self) -> bool:
        """Sold, not injected, never refunded or charged back: free to carry one injection."""
        return (
            self.sold
            and self.injected is None
            and not self.returns
            and not self.transactions("chargeback")
        )


@dataclass(frozen=True)
class Payout:
    payout_id: str
    processor: str
    currency: str
    day: date
    lines: tuple[tuple[Order, Payment], ...]


def payout_id(processor: str, currency: str, day: date) -> str:
    """A payout as its processor names it, so its export converts back to the same id: PayPal
    has none (one STL day per account and currency: paypal.py), Adyen numbers the batches of a
    merchant account (here by their date); Stripe's ids are opaque."""
    if processor == "paypal":
        return f"paypal-{PAYPAL_ACCOUNT}-{day.isoformat()}-{currency}"
    if processor == "adyen":
        return f"{ADYEN_MERCHANT_ACCOUNT.format(currency=currency)}-batch-{day:%Y%m%d}"
    return f"PO-{processor.upper()}-{currency}-{day:%Y%m%d}"


# How each processor spells its references, by transaction type.
_STRIPE_PREFIX = {"capture": "ch_", "refund": "re_", "chargeback": "dp_"}


@dataclass
class World:
    start: date
    end: date
    zone: ZoneInfo
    orders: list[Order] = field(default_factory=list)
    # Tampering with the summary journals, keyed by store-day and by payout id.
    takings_unposted: set[tuple[str, date]] = field(default_factory=set)
    takings_overstated: dict[tuple[str, date], int] = field(default_factory=dict)
    bank_unposted: set[str] = field(default_factory=set)
    bank_overstated: dict[str, int] = field(default_factory=dict)
    _next_order: int = FIRST_ORDER_NUMBER
    _next_shipment: int = 1
    _references: set[str] = field(default_factory=set)

    def days(self) -> list[date]:
        return list(days_between(self.start, self.end))

    def new_order_id(self) -> str:
        self._next_order += 1
        return str(self._next_order - 1)

    def new_shipment_id(self) -> str:
        self._next_shipment += 1
        return f"SHP{self._next_shipment - 1:07d}"

    def new_psp_reference(self, rng: Random, processor: str, txn_type: str) -> str:
        while True:
            if processor == "stripe":
                alphabet = string.ascii_letters + string.digits
                reference = _STRIPE_PREFIX[txn_type] + "".join(rng.choices(alphabet, k=14))
            elif processor == "paypal":
                alphabet = string.ascii_uppercase + string.digits
                reference = "".join(rng.choices(alphabet, k=17))
            else:  # adyen: 16 digits
                reference = str(rng.randint(10**15, 10**16 - 1))
            if reference not in self._references:
                self._references.add(reference)
                return reference

    def payouts(self) -> dict[str, Payout]:
        """Settlement lines grouped per processor, currency and settled date."""
        grouped: dict[tuple[str, str, date], list[tuple[Order, Payment]]] = defaultdict(list)
        for order in self.orders:
            for payment in order.payments:
                if payment.settlement is not None:
                    group = (payment.processor, payment.currency, payment.settlement.day)
                    grouped[group].append((order, payment))
        payouts = {}
        for (processor, currency, day), lines in sorted(grouped.items()):
            pid = payout_id(processor, currency, day)
            payouts[pid] = Payout(pid, processor, currency, day, tuple(lines))
        return payouts
