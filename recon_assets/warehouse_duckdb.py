"""The embedded DuckDB warehouse as the Dagster resource the assets use (recon_assets/
warehouse.py holds its session, which the command line opens without Dagster)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from dagster_duckdb import DuckDBResource

from recon_assets.sql import ddl_files, statements
from recon_assets.warehouse import DuckDBSession


@cache
def ddl_statements() -> tuple[str, ...]:
    """Every table's `CREATE ... IF NOT EXISTS`, run as each session opens (read once)."""
    return tuple(statement for name in ddl_files() for statement in statements(name))


class DuckDBWarehouse(DuckDBResource):
    """One DuckDB file (`$RECON_HOME/recon.duckdb`) holding every partition of every asset."""

    dialect: str = "duckdb"
    # A run stages its nights and publishes them at once (recon_assets/staging.py).
    stages_runs: ClassVar[bool] = True

    @contextmanager
    def session(self) -> Iterator[DuckDBSession]:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            for statement in ddl_statements():
                con.execute(statement)
            yield DuckDBSession(con)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.session() as session:
            return session.query(sql, params)

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        """Delete the rows matching `where`, insert `frame` with the `where` values, atomically."""
        with self.session() as session, session.transaction():
            session.replace_partition(table, where, frame)
