"""Read-only access to the stored nights: auditing never changes what was reported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from recon_assets.settings import Settings
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
