"""Read-only access to the stored nights, for the commands that only read (exceptions, report,
trace, accept, rules): auditing never changes what was reported."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from recon_assets.settings import Settings
from recon_assets.warehouse import DuckDBSession, Warehouse

if TYPE_CHECKING:  # a trace reads plain rows: pandas stays off its path
    import pandas as pd


class AuditError(RuntimeError):
    """A question the stored nights cannot answer; the message says why, for a person."""


@contextmanager
def read_only_session(database: Path) -> Iterator[DuckDBSession]:
    """A session on the warehouse file that cannot write (temporary tables still work)."""
    if not Path(database).exists():
        raise AuditError(f"no reconciled nights yet: {database} does not exist")
    con = duckdb.connect(str(database), read_only=True)
    try:
        yield DuckDBSession(con)
    finally:
        con.close()


@dataclass(frozen=True)
class ReadOnlyWarehouse:
    """The warehouse file as a Warehouse that cannot write: what the commands that only read
    (`recon exceptions`, `recon report`) open, without Dagster."""

    database: Path
    dialect: str = "duckdb"

    @contextmanager
    def session(self) -> Iterator[DuckDBSession]:
        with read_only_session(self.database) as session:
            yield session

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.session() as session:
            return session.query(sql, params)


def stored_warehouse(settings: Settings) -> Warehouse | ReadOnlyWarehouse:
    """The stored nights of `settings`' warehouse, read-only where the engine allows it."""
    if settings.warehouse == "duckdb":
        return ReadOnlyWarehouse(settings.duckdb_path)
    # Google's client libraries load only for a BigQuery store, so the commands that read a
    # DuckDB file answer at once; the warehouse module imports nothing of this one.
    from recon_assets.warehouse_bigquery import BigQueryWarehouse

    return BigQueryWarehouse.from_settings(settings)


@contextmanager
def audit_session(settings: Settings) -> Iterator[Any]:
    """A session on the stored nights of `settings`' warehouse, read-only where it can be."""
    with stored_warehouse(settings).session() as session:
        yield session
