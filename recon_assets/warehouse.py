"""The warehouse every asset reads and writes through: embedded DuckDB by default.

What a warehouse is (the protocols), the writes every engine makes alike and a DuckDB
session; the Dagster resources that open them live in warehouse_duckdb.py and
warehouse_bigquery.py, so the command line reads the stored nights without loading Dagster.

Writes replace a whole partition inside one transaction, so a rematerialised night never
duplicates rows. Queries come from `sql/` with bound parameters.
"""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from recon_assets.sql import load_sql, statements

if TYPE_CHECKING:  # a trace reads plain rows: pandas stays off its path
    import pandas as pd


def plain(value: Any) -> Any:
    """A stored value as JSON can carry it: dates as ISO text, NULL/NaN/NaT as None."""
    # pandas' missing values exist only once pandas is loaded: a plain row (`Session.rows`)
    # is converted without loading it.
    pandas = sys.modules.get("pandas")
    if value is None or (pandas is not None and (value is pandas.NA or value is pandas.NaT)):
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, datetime):  # pandas' Timestamp too; a date column comes as one
        return value.isoformat() if value.tzinfo else value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def run_sql(session: Session, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """Run every statement of `sql/<name>.sql`; the last one's rows are the answer."""
    *setup, last = statements(name)
    for statement in setup:
        session.execute(statement, params)
    return session.query(last, params)


def quoted_identifier(name: str, quote: str = '"') -> str:
    """A table or column name of our own, checked and quoted (DuckDB `"`, BigQuery `` ` ``)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain identifier: {name!r}")
    return f"{quote}{name}{quote}"


class Session(Protocol):
    """One connection: temporary tables live as long as the session."""

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None: ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...

    def load(self, name: str, frame: pd.DataFrame) -> None: ...

    def replace_partition(
        self, table: str, where: Mapping[str, Any], frame: pd.DataFrame
    ) -> None: ...

    def replace_partition_from(
        self, table: str, where: Mapping[str, Any], query: str, params: Mapping[str, Any]
    ) -> None: ...

    def append_from(self, table: str, query: str, params: Mapping[str, Any]) -> None: ...

    def rows(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def transaction(self) -> AbstractContextManager[None]: ...


class Warehouse(Protocol):
    """What the assets need from a warehouse, whichever engine runs it."""

    dialect: str

    def session(self) -> AbstractContextManager[Session]: ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...

    def replace_partition(
        self, table: str, where: Mapping[str, Any], frame: pd.DataFrame
    ) -> None: ...


class PartitionWrites(ABC):
    """The writes every session makes alike, in DuckDB SQL (a BigQuery session transpiles it).

    A run's staged session (recon_assets/staging.py) writes elsewhere and notes what it
    replaced, through `write_target` and `replacing`."""

    @abstractmethod
    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        """Runs one statement in the session's engine."""

    def write_target(self, table: str) -> str:
        return quoted_identifier(table, quote="")

    def replacing(self, table: str, where: Mapping[str, Any]) -> None:  # noqa: B027 (a hook)
        """Stored partitions are replaced in place: nothing to note (a staged session notes
        which partitions it replaces)."""

    def replace_partition_from(
        self, table: str, where: Mapping[str, Any], query: str, params: Mapping[str, Any]
    ) -> None:
        """Delete the rows matching `where`, insert the rows of `query` (by column name)."""
        condition = " AND ".join(f"{quoted_identifier(c, quote='')} = ${c}" for c in where)
        target = self.write_target(table)
        self.replacing(table, where)
        self.execute(f"DELETE FROM {target} WHERE {condition}", dict(where))
        self.execute(f"INSERT INTO {target} BY NAME {query}", params)

    def append_from(self, table: str, query: str, params: Mapping[str, Any]) -> None:
        self.execute(f"INSERT INTO {self.write_target(table)} BY NAME {query}", params)

    def rows(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """`run_sql`'s answer as plain values, one dict a row."""
        return plain_records(run_sql(self, name, params))  # type: ignore[arg-type]


class DuckDBSession(PartitionWrites):
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    @staticmethod
    def _bound(statement: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        # DuckDB refuses parameters a statement does not use.
        return {k: v for k, v in (params or {}).items() if f"${k}" in statement}

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        self.con.execute(statement, self._bound(statement, params))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, self._bound(sql, params)).df()

    def rows(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The file as it is stored (DuckDB's dialect, split by DuckDB itself), its last
        statement's rows as plain values: no sqlglot and no pandas, so `recon trace` answers
        at once."""
        *setup, last = duckdb.extract_statements(load_sql(name))
        for statement in setup:
            self.con.execute(statement, self._bound(statement.query, params))
        cursor = self.con.execute(last, self._bound(last.query, params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, map(plain, row), strict=True)) for row in cursor.fetchall()]

    def load(self, name: str, frame: pd.DataFrame) -> None:
        """A temporary table holding `frame` (rules and settings the SQL joins with)."""
        table = quoted_identifier(name)
        self.con.register("_incoming", frame)
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMPORARY TABLE {table} AS SELECT * FROM _incoming"
            )
        finally:
            self.con.unregister("_incoming")

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        # As Arrow: DuckDB inserts a night's source rows about twice as fast from Arrow as
        # from pandas' Arrow-backed columns. Imported here: a trace reads without it.
        import pyarrow

        incoming = pyarrow.Table.from_pandas(frame.assign(**where), preserve_index=False)
        self.con.register("_incoming", incoming)
        try:
            self.replace_partition_from(table, where, "SELECT * FROM _incoming", {})
        finally:
            self.con.unregister("_incoming")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
