"""The warehouse every asset reads and writes through: embedded DuckDB by default.

Writes replace a whole partition inside one transaction, so a rematerialised night never
duplicates rows. Queries come from `sql/` with bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from recon_assets.sql import sql_files, statements


class Warehouse(Protocol):
    """What the assets need from a warehouse, whichever engine runs it."""

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...

    def replace_partition(
        self, table: str, where: Mapping[str, Any], frame: pd.DataFrame
    ) -> None: ...


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


class DuckDBWarehouse(DuckDBResource):
    """One DuckDB file (`$RECON_HOME/recon.duckdb`) holding every partition of every asset."""

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            for name in sql_files():
                if name.startswith("ddl/"):
                    for statement in statements(name):
                        con.execute(statement)
            yield con

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.connection() as con:
            return con.execute(sql, dict(params or {})).df()

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run every statement of `sql/<name>.sql` in one transaction; returns the last result."""
        result = pd.DataFrame()
        with self.connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for statement in statements(name):
                    used = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
                    cursor = con.execute(statement, used)
                    result = cursor.df() if cursor.description else pd.DataFrame()
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return result

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        """Delete the rows matching `where`, insert `frame` with the `where` values, atomically."""
        condition = " AND ".join(f"{_ident(c)} = ${c}" for c in where)
        with self.connection() as con:
            con.register("incoming", frame.assign(**where))
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DELETE FROM {_ident(table)} WHERE {condition}", dict(where))
                con.execute(f"INSERT INTO {_ident(table)} BY NAME SELECT * FROM incoming")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("incoming")
