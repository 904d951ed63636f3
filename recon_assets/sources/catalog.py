"""The seven canonical sources: their schema, key, column types and money columns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandera.pandas as pa

from recon_assets.sources import schemas


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    model: type[pa.DataFrameModel]
    money_columns: tuple[str, ...]

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        return self.model.to_schema()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema.columns)

    @property
    def key(self) -> str:
        return self.columns[0]

    @property
    def int_columns(self) -> tuple[str, ...]:
        return tuple(n for n, c in self.schema.columns.items() if str(c.dtype) == "int64")

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(n for n, c in self.schema.columns.items() if c.nullable)


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "storefront_orders",
        "Web storefront orders, refunds and cancels delivered for the business date.",
        schemas.StorefrontOrders,
        ("amount_minor",),
    ),
    SourceSpec(
        "pos_transactions",
        "Showroom till sales and refunds, per store, delivered for the business date.",
        schemas.PosTransactions,
        ("amount_minor",),
    ),
    SourceSpec(
        "oms_orders",
        "Order-management records of every web and showroom sale for the business date.",
        schemas.OmsOrders,
        ("amount_minor",),
    ),
    SourceSpec(
        "processor_transactions",
        "Card and PayPal captures, refunds and chargebacks reported by the payment processors.",
        schemas.ProcessorTransactions,
        ("amount_minor", "fee_minor"),
    ),
    SourceSpec(
        "processor_settlements",
        "Processor settlement lines, grouped into payouts, settled on the business date.",
        schemas.ProcessorSettlements,
        ("gross_minor", "fee_minor", "net_minor"),
    ),
    SourceSpec(
        "shipments",
        "Parcels the 3PL shipped on the business date.",
        schemas.Shipments,
        (),
    ),
    SourceSpec(
        "ledger_entries",
        "Accounting ledger postings dated on the business date.",
        schemas.LedgerEntries,
        ("debit_minor", "credit_minor"),
    ),
)

SOURCES_BY_NAME: dict[str, SourceSpec] = {s.name: s for s in SOURCES}
