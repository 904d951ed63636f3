"""The seven source systems, in the order the report and the checks list them: their table
name, what a finance reader calls them, what each delivers and which columns hold money.

The catalogue's light half: it imports nothing heavy, so the trace and the report can name
the sources without loading pandera. Each source's columns, types and key are its pandera
model in `schemas.py`, named after the source in CamelCase (`sources/catalog.py` pairs them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceSystem:
    name: str  # the table, the asset and the landing folder
    noun: str  # the system behind it, as the report names it
    description: str
    money_columns: tuple[str, ...]


SYSTEMS: tuple[SourceSystem, ...] = (
    SourceSystem(
        "storefront_orders",
        "storefront",
        "Web storefront orders, refunds and cancels delivered for the business date.",
        ("amount_minor",),
    ),
    SourceSystem(
        "pos_transactions",
        "showroom POS",
        "Showroom till sales and refunds, per store, delivered for the business date.",
        ("amount_minor",),
    ),
    SourceSystem(
        "oms_orders",
        "order management",
        "Order-management records of every web and showroom sale for the business date.",
        ("amount_minor",),
    ),
    SourceSystem(
        "processor_transactions",
        "payment processors",
        "Card and PayPal captures, refunds and chargebacks reported by the payment processors.",
        ("amount_minor", "fee_minor"),
    ),
    SourceSystem(
        "processor_settlements",
        "processor settlements",
        "Processor settlement lines, grouped into payouts, settled on the business date.",
        ("gross_minor", "fee_minor", "net_minor"),
    ),
    SourceSystem(
        "shipments",
        "3PL",
        "Parcels the 3PL shipped on the business date.",
        (),
    ),
    SourceSystem(
        "ledger_entries",
        "ledger",
        "Accounting ledger postings dated on the business date.",
        ("debit_minor", "credit_minor"),
    ),
)

SOURCE_NAMES: tuple[str, ...] = tuple(s.name for s in SYSTEMS)
