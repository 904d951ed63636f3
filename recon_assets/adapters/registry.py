"""FORMAT name -> adapter: which function reads the export and which sources it feeds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from recon_assets.adapters import (
    adyen,
    paypal,
    quickbooks,
    shipstation,
    shopify_orders,
    shopify_payments,
    square,
    stripe,
    xero,
)
from recon_assets.adapters.common import AdapterError, Context, Covers, OrderKeys, Row, Skipped

PROCESSOR_SOURCES = ("processor_transactions", "processor_settlements")


@dataclass(frozen=True)
class Adapter:
    format: str
    read: Callable[[Context], Iterable[Row | Skipped | Covers]]
    sources: tuple[str, ...]
    default_processor: str | None = None
    description: str = ""
    order_keys: OrderKeys | None = None  # processor formats whose rows carry an order key

    @property
    def feeds_processor(self) -> bool:
        return self.default_processor is not None


ADAPTERS: tuple[Adapter, ...] = (
    Adapter(
        "shopify-orders",
        shopify_orders.read,
        ("storefront_orders",),
        description="Shopify Admin > Orders > Export (one row per line item)",
    ),
    Adapter(
        "shopify-payments",
        shopify_payments.read,
        PROCESSOR_SOURCES,
        "shopify_payments",
        "Shopify Payments payout transactions export",
        shopify_payments.ORDER_KEYS,
    ),
    Adapter(
        "stripe-balance-change",
        stripe.read_balance_change,
        PROCESSOR_SOURCES,
        "stripe",
        "Stripe itemized balance change from activity (or payout reconciliation)",
        stripe.ORDER_KEYS,
    ),
    Adapter(
        "stripe-payouts",
        stripe.read_payouts,
        ("processor_settlements",),
        "stripe",
        "Stripe itemized payouts: one payout-level settlement line per payout",
    ),
    Adapter(
        "stripe-balance-history",
        stripe.read_balance_history,
        PROCESSOR_SOURCES,
        "stripe",
        "Stripe legacy Dashboard balance export (balance_history.csv)",
        stripe.LEGACY_ORDER_KEYS,
    ),
    Adapter(
        "adyen-settlement",
        adyen.read,
        PROCESSOR_SOURCES,
        "adyen",
        "Adyen settlement details report (classic and 2025 layouts)",
        adyen.ORDER_KEYS,
    ),
    Adapter(
        "paypal-stl",
        paypal.read_stl,
        PROCESSOR_SOURCES,
        "paypal",
        "PayPal SFTP settlement report (STL)",
        paypal.ORDER_KEYS,
    ),
    Adapter(
        "paypal-trr",
        paypal.read_trr,
        ("processor_transactions",),
        "paypal",
        "PayPal SFTP transaction detail report (TRR)",
        paypal.ORDER_KEYS,
    ),
    Adapter(
        "shipstation-shipments",
        shipstation.read,
        ("shipments",),
        description="ShipStation shipments CSV export (item-level or order-level)",
    ),
    Adapter(
        "square-transactions",
        square.read,
        ("pos_transactions",),
        description="Square Dashboard > Transactions CSV",
    ),
    Adapter(
        "xero-gl",
        xero.read,
        ("ledger_entries",),
        description="Xero Account Transactions / General Ledger Detail CSV",
    ),
    Adapter(
        "quickbooks-gl",
        quickbooks.read,
        ("ledger_entries",),
        description="QuickBooks Online General Ledger or Journal report CSV",
    ),
)

ADAPTERS_BY_FORMAT: dict[str, Adapter] = {a.format: a for a in ADAPTERS}
FORMATS: tuple[str, ...] = tuple(ADAPTERS_BY_FORMAT)


def adapter_for(format: str) -> Adapter:
    try:
        return ADAPTERS_BY_FORMAT[format]
    except KeyError:
        raise AdapterError(
            f"unknown format {format!r}; expected one of {', '.join(FORMATS)}"
        ) from None
