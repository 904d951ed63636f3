"""The embedded DuckDB warehouse as the Dagster resource the assets use (recon_assets/
warehouse.py holds its session, which the command line opens without Dagster)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from recon_assets.sql import ddl_files, sql_files, statements
from recon_assets.warehouse import DuckDBSession


@cache
def ddl_statements() -> tuple[str, ...]:
    """Every table's `CREATE ... IF NOT EXISTS`, then what moves a store kept by an earlier
    version to today's layout (`sql/upgrade/`), run as each session opens (read once)."""
    upgrades = [name for name in sql_files() if name.startswith("upgrade/")]
    return tuple(statement for name in [*ddl_files(), *upgrades] for statement in statements(name))


class DuckDBWarehouse(DuckDBResource):
    """One DuckDB file (`$RECON_HOME/recon.duckdb`) holding every partition of every asset."""

    dialect: str = "duckdb"
    # A run stages its nights and publishes them at once (recon_assets/staging.py).
    stages_runs: ClassVar[bool] = True
    # The file as a run holds it open: opening and closing it for every session costs a
    # small night a quarter of its time (the catalogue read, a checkpoint on each close).
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _holding: ExitStack = PrivateAttr(default_factory=ExitStack)

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            for statement in ddl_statements():
                con.execute(statement)
            yield con

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """A run (one process: the in-process executor) holds the file open until it ends."""
        self._held = self._holding.enter_context(self._connection())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._held = None
        self._holding.close()

    @contextmanager
    def session(self) -> Iterator[DuckDBSession]:
        """A connection of its own (temporary tables, search path, transaction), on the
        file the run holds, or on the file opened for this session alone."""
        if self._held is None:
            with self._connection() as con:
                yield DuckDBSession(con)
            return
        with self._held.cursor() as con:
            yield DuckDBSession(con)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.session() as session:
            return session.query(sql, params)

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        """Delete the rows matching `where`, insert `frame` with the `where` values, atomically."""
        with self.session() as session, session.transaction():
            session.replace_partition(table, where, frame)
