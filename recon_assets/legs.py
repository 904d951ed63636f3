"""The legs of DESIGN.md section 5: check names, keys, break kinds and default SLAs.

One catalogue shared by the engine, the sample generator, the rules and the report, so a
check is spelled the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# Check names (the `check` column of classified_variances).
SALE_VS_OMS = "sale_vs_oms"
SALE_VS_CAPTURE = "sale_vs_capture"
CAPTURE_VS_SETTLEMENT = "capture_vs_settlement"
SALE_VS_SHIPMENT = "sale_vs_shipment"
WEB_SALE_VS_LEDGER = "web_sale_vs_ledger"
POS_TAKINGS_VS_LEDGER = "pos_takings_vs_ledger"
REFUND_VS_PROCESSOR_VS_LEDGER = "refund_vs_processor_vs_ledger"
PAYOUT_VS_BANK = "payout_vs_bank"

# Classes, in precedence order (first that applies wins).
KNOWN_ACCEPTED = "known_accepted"
MAPPING = "mapping"
TIMING = "timing"
GENUINE_ERROR = "genuine_error"
CLASSES = (KNOWN_ACCEPTED, MAPPING, TIMING, GENUINE_ERROR)


@dataclass(frozen=True)
class LegPart:
    """One comparison inside a leg (a leg such as POS takings compares two postings).

    summed: the counterpart is several records that add up (less is missing, more is an
    error); otherwise it is one record and any other amount is an error at once.
    """

    part: str
    summed: bool
    exponent_slips: bool
    normalise_keys: bool
    missing_kind: str
    orphan_kind: str
    differs_kind: str
    over_kind: str | None = None
    duplicate_kind: str | None = None


@dataclass(frozen=True)
class Leg:
    check: str
    key: str
    sla_days: int
    description: str
    parts: tuple[LegPart, ...]


# A processor record whose vendor field for the order key was empty carries
# `missing-order-key:<field>:<psp reference>` as its order key (recon_assets/adapters): a
# mapping break naming the field, not a capture or refund that no sale explains.
MISSING_ORDER_KEY = "missing-order-key"
# Kinds that are `mapping` whatever their age: the counterpart exists but is reachable only
# through a key or code that is not configured (or, for a missing order key, not filled).
MAPPING_KINDS = (
    "key_mapping",
    "unknown_account",
    "unknown_code",
    "exponent_slip",
    "missing_order_key",
)

_ORDER_TOTAL = dict(summed=False, exponent_slips=True, normalise_keys=True)
_POSTING = dict(summed=False, exponent_slips=True, normalise_keys=False)
_REFUNDS = dict(summed=True, exponent_slips=False, normalise_keys=True)

LEGS: tuple[Leg, ...] = (
    Leg(
        SALE_VS_OMS,
        "order id",
        1,
        "every sale has its order-management record with the same total",
        (LegPart("total", **_ORDER_TOTAL, missing_kind="missing_in_oms",
                 orphan_kind="oms_without_sale", differs_kind="amount_differs"),),
    ),
    Leg(
        SALE_VS_CAPTURE,
        "order id",
        1,
        "every card or PayPal sale is captured once, for its total",
        (LegPart("total", summed=True, exponent_slips=True, normalise_keys=True,
                 missing_kind="not_captured", orphan_kind="capture_without_sale",
                 differs_kind="amount_differs", over_kind="over_captured",
                 duplicate_kind="duplicate_capture"),),
    ),
    Leg(
        CAPTURE_VS_SETTLEMENT,
        "psp reference",
        3,
        "every capture, refund and chargeback reaches a settlement line with the same gross",
        (LegPart("gross", **_POSTING, missing_kind="not_settled",
                 orphan_kind="settlement_without_transaction", differs_kind="gross_differs"),),
    ),
    Leg(
        SALE_VS_SHIPMENT,
        "order id",
        3,
        "every web sale (and POS sale to ship) ships its units",
        (LegPart("units", summed=True, exponent_slips=False, normalise_keys=True,
                 missing_kind="not_shipped", orphan_kind="shipped_without_sale",
                 differs_kind="units_differ", over_kind="over_shipped"),),
    ),
    Leg(
        WEB_SALE_VS_LEDGER,
        "order id",
        2,
        "every web sale is posted to sales for its total",
        (LegPart("revenue", **_ORDER_TOTAL, missing_kind="not_posted",
                 orphan_kind="posted_without_sale", differs_kind="amount_differs"),),
    ),
    Leg(
        POS_TAKINGS_VS_LEDGER,
        "store and day",
        2,
        "every store-day's takings are posted to sales and its refunds to refunds",
        tuple(
            LegPart(part, **_POSTING, missing_kind="not_posted",
                    orphan_kind="posted_without_takings", differs_kind="amount_differs")
            for part in ("sales", "refunds")
        ),
    ),
    Leg(
        REFUND_VS_PROCESSOR_VS_LEDGER,
        "order id",
        3,
        "every refund reaches the processor (card, PayPal) and the refunds account (web)",
        tuple(
            LegPart(part, **_REFUNDS, missing_kind="refund_missing", orphan_kind="refund_missing",
                    differs_kind="amount_differs", over_kind="amount_differs")
            for part in ("processor", "ledger")
        ),
    ),
    Leg(
        PAYOUT_VS_BANK,
        "payout id",
        3,
        "every payout lands in the bank and its fees in processor fees, for the sum of its lines",
        (
            LegPart("bank", **_POSTING, missing_kind="payout_not_in_bank",
                    orphan_kind="posted_without_payout", differs_kind="amount_differs"),
            LegPart("fees", **_POSTING, missing_kind="fees_not_posted",
                    orphan_kind="posted_without_payout", differs_kind="amount_differs"),
        ),
    ),
)  # fmt: skip

LEGS_BY_CHECK: dict[str, Leg] = {leg.check: leg for leg in LEGS}
DEFAULT_SLA_DAYS: dict[str, int] = {leg.check: leg.sla_days for leg in LEGS}

# What each leg part compares: every group needs one of its sources in scope
# (rules/scope.yaml), so a part is reconciled only while each group has one. A leg that takes
# sales of both channels needs either: a channel the retailer does not have has no sales.
SALES = ("storefront_orders", "pos_transactions")
PART_SOURCES: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    (SALE_VS_OMS, "total"): (SALES, ("oms_orders",)),
    (SALE_VS_CAPTURE, "total"): (SALES, ("processor_transactions",)),
    (CAPTURE_VS_SETTLEMENT, "gross"): (("processor_transactions",), ("processor_settlements",)),
    (SALE_VS_SHIPMENT, "units"): (SALES, ("shipments",)),
    (WEB_SALE_VS_LEDGER, "revenue"): (("storefront_orders",), ("ledger_entries",)),
    (POS_TAKINGS_VS_LEDGER, "sales"): (("pos_transactions",), ("ledger_entries",)),
    (POS_TAKINGS_VS_LEDGER, "refunds"): (("pos_transactions",), ("ledger_entries",)),
    (REFUND_VS_PROCESSOR_VS_LEDGER, "processor"): (SALES, ("processor_transactions",)),
    (REFUND_VS_PROCESSOR_VS_LEDGER, "ledger"): (("storefront_orders",), ("ledger_entries",)),
    (PAYOUT_VS_BANK, "bank"): (("processor_settlements",), ("ledger_entries",)),
    (PAYOUT_VS_BANK, "fees"): (("processor_settlements",), ("ledger_entries",)),
}

# What a break's reason calls each leg part's two sides: the expectation (with article, bare)
# and the counterpart (one, several).
PART_NOUNS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    (SALE_VS_OMS, "total"): ("the sale", "sale", "order-management record", "order management"),
    (SALE_VS_CAPTURE, "total"): ("the card/PayPal sale", "sale", "capture", "captures"),
    (CAPTURE_VS_SETTLEMENT, "gross"): (
        "the processor transaction",
        "processor transaction",
        "settlement line",
        "the settlement line",
    ),
    (SALE_VS_SHIPMENT, "units"): ("the sale", "sale", "shipment", "shipments"),
    (WEB_SALE_VS_LEDGER, "revenue"): (
        "the web sale",
        "web sale",
        "sales posting",
        "the sales posting",
    ),
    (POS_TAKINGS_VS_LEDGER, "sales"): (
        "till sales",
        "till sale",
        "sales posting",
        "the sales posting",
    ),
    (POS_TAKINGS_VS_LEDGER, "refunds"): (
        "till refunds",
        "till refund",
        "refunds posting",
        "the refunds posting",
    ),
    (REFUND_VS_PROCESSOR_VS_LEDGER, "processor"): (
        "the refunds",
        "refund",
        "processor refund",
        "processor refunds",
    ),
    (REFUND_VS_PROCESSOR_VS_LEDGER, "ledger"): (
        "the refunds",
        "refund",
        "refunds posting",
        "the refunds posting",
    ),
    (PAYOUT_VS_BANK, "bank"): ("the payout's net", "payout", "bank posting", "the bank posting"),
    (PAYOUT_VS_BANK, "fees"): ("the payout's fees", "payout", "fees posting", "the fees posting"),
}

# What a leg's SLA may be overridden by (rules/timing.yaml `overrides`): the processor or the
# store named by the record that starts a break. A carrier is named only once a parcel has
# shipped, so it cannot say how long to wait for a parcel that has not.
PROCESSOR = "processor"
STORE = "store"
SLA_OVERRIDES_BY: dict[str, tuple[str, ...]] = {
    SALE_VS_OMS: (STORE,),
    SALE_VS_CAPTURE: (PROCESSOR, STORE),
    CAPTURE_VS_SETTLEMENT: (PROCESSOR,),
    SALE_VS_SHIPMENT: (STORE,),
    WEB_SALE_VS_LEDGER: (),
    POS_TAKINGS_VS_LEDGER: (STORE,),
    REFUND_VS_PROCESSOR_VS_LEDGER: (PROCESSOR, STORE),
    PAYOUT_VS_BANK: (),
}


def pos_store_day_key(store_id: str, business_date: str) -> str:
    """The key of a POS store-day, as the ledger references it."""
    return f"POS:{store_id}:{business_date}"
