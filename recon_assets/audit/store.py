"""Read-only access to the stored nights: auditing never changes what was reported."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from recon_assets.settings import Settings
from recon_assets.sql import statements
from recon_assets.warehouse import DuckDBSession


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


def run_sql(session: DuckDBSession, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """Run every statement of `sql/<name>.sql`; the last one's rows are the answer."""
    *setup, last = statements(name)
    for statement in setup:
        session.execute(statement, params)
    return session.query(last, params)


def plain(value: Any) -> Any:
    """A stored value as JSON can carry it: dates as ISO text, NULL/NaN/NaT as None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value.tzinfo else value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@contextmanager
def audit_session(settings: Settings) -> Iterator[Any]:
    """The stored nights of `settings`' warehouse, read-only where the engine allows it."""
    if settings.warehouse == "duckdb":
        with read_only_session(settings.duckdb_path) as session:
            yield session
        return
    from recon_assets.resources import build_warehouse  # only when not on DuckDB

    with build_warehouse(settings).session() as session:
        yield session
