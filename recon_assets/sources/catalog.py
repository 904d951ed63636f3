"""The seven canonical sources: each system (`systems.py`) with its pandera model, which
declares its columns, types, nullability and key (the first column)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandera.pandas as pa

from recon_assets.sources import schemas
from recon_assets.sources.systems import SYSTEMS, SourceSystem


@dataclass(frozen=True)
class SourceSpec:
    system: SourceSystem
    model: type[pa.DataFrameModel]

    @property
    def name(self) -> str:
        return self.system.name

    @property
    def description(self) -> str:
        return self.system.description

    @property
    def money_columns(self) -> tuple[str, ...]:
        return self.system.money_columns

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


def model_name(source: str) -> str:
    """The pandera model of a source is its name in CamelCase (`oms_orders` -> `OmsOrders`)."""
    return "".join(word.title() for word in source.split("_"))


SOURCES: tuple[SourceSpec, ...] = tuple(
    SourceSpec(system, getattr(schemas, model_name(system.name))) for system in SYSTEMS
)

SOURCES_BY_NAME: dict[str, SourceSpec] = {s.name: s for s in SOURCES}
