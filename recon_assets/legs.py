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
class Leg:
    check: str
    key: str
    sla_days: int
    description: str
    kinds: tuple[str, ...]


LEGS: tuple[Leg, ...] = (
    Leg(
        SALE_VS_OMS,
        "order id",
        1,
        "every sale has its order-management row with the same total",
        ("missing_in_oms", "oms_without_sale", "amount_differs", "exponent_slip", "key_mapping"),
    ),
    Leg(
        SALE_VS_CAPTURE,
        "order id",
        1,
        "every card or PayPal sale is captured once, for its total",
        (
            "not_captured",
            "capture_without_sale",
            "over_captured",
            "duplicate_capture",
            "key_mapping",
        ),
    ),
    Leg(
        CAPTURE_VS_SETTLEMENT,
        "psp reference",
        3,
        "every capture and refund reaches a settlement line with the same gross",
        ("not_settled", "settlement_without_transaction", "gross_differs", "exponent_slip"),
    ),
    Leg(
        SALE_VS_SHIPMENT,
        "order id",
        3,
        "every web sale (and POS sale to ship) ships its units",
        ("not_shipped", "shipped_without_sale", "over_shipped", "key_mapping"),
    ),
    Leg(
        WEB_SALE_VS_LEDGER,
        "order id",
        2,
        "every web sale is posted to sales (4000) for its total",
        (
            "not_posted",
            "posted_without_sale",
            "amount_differs",
            "exponent_slip",
            "unknown_account",
            "key_mapping",
        ),
    ),
    Leg(
        POS_TAKINGS_VS_LEDGER,
        "store and day",
        2,
        "every store-day's takings are posted to sales (4000) and refunds (4010)",
        ("not_posted", "amount_differs", "exponent_slip", "unknown_account"),
    ),
    Leg(
        REFUND_VS_PROCESSOR_VS_LEDGER,
        "order id",
        3,
        "every refund reaches the processor and the refunds account (4010)",
        ("refund_missing", "amount_differs", "key_mapping"),
    ),
    Leg(
        PAYOUT_VS_BANK,
        "payout id",
        3,
        "every payout lands in the bank (1000) and its fees in 6100, for the sum of its lines",
        ("payout_not_in_bank", "amount_differs", "exponent_slip", "unknown_account"),
    ),
)

LEGS_BY_CHECK: dict[str, Leg] = {leg.check: leg for leg in LEGS}
DEFAULT_SLA_DAYS: dict[str, int] = {leg.check: leg.sla_days for leg in LEGS}


def pos_store_day_key(store_id: str, business_date: str) -> str:
    """The key of a POS store-day, as the ledger references it."""
    return f"POS:{store_id}:{business_date}"
