"""A BigQuery run's staging (staging.py says why a run stages): BigQuery has neither a search
path nor DDL inside a transaction, so a run stages in tables of the dataset named
`run_<run id>_...`, each statement's reads of a night table are rewritten to the query of the
view DuckDB's staging makes (warehouse_bigquery.transpile), and the staging tables are dropped
after the publishing transaction commits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import sqlglot

from recon_assets.sql import SOURCE_DIALECT
from recon_assets.staging import STAGING_PREFIX, UNSTAGED, NightTable, night_table, staging_schema
from recon_assets.warehouse_bigquery import (
    BigQuerySession,
    BigQueryWarehouse,
    Staged,
    backquoted,
    query_parameters,
    table_columns,
    transpile,
)


def bigquery_names(table: NightTable, schema: str) -> tuple[tuple[str, str], ...]:
    """The names sql/staging/ is written with, for this table of this run (BigQuery: tables
    of the dataset, found by the session's default dataset)."""
    return (
        ("stored_table", table.name),
        ("staged_table", f"{schema}_staged_{table.name}"),
        ("replaced_table", f"{schema}_replaced_{table.name}"),
        ("night_table", f"{schema}_{table.name}"),
    )


def bigquery_night_tables() -> list[NightTable]:
    """The stored tables as sql/ddl declares them (the DDL made them in the dataset)."""
    return [
        night_table(name, columns)
        for name, columns in table_columns().items()
        if name not in UNSTAGED
    ]


# The partition a run replaces, as BigQuery types it (a date string is not a DATE there).
PARTITION_TYPES = {"partition_date": "DATE", "part_value": "STRING"}


class StagedBigQuerySession(BigQuerySession):
    """A BigQuery session of a run: reads see the run's staged rows, writes go to its staging."""

    def __init__(self, session: BigQuerySession, schema: str, tables: Mapping[str, NightTable]):
        super().__init__(session.client, session.dataset)
        self.session_id, self.schema, self.tables = session.session_id, schema, tables
        self.staging = bigquery_staging(schema, tables)
        self._targets = {s.table: s.staged_table for s in self.staging}

    def write_target(self, table: str) -> str:
        return self._targets.get(table, table)

    def replacing(self, table: str, where: Mapping[str, Any]) -> None:
        night = self.tables.get(table)
        if night is None:
            return
        names = partial(bigquery_names, night)
        sql, parameters, _ = transpile(
            ";\n".join(night.run_sql("mark_replaced", self.schema, names))
        )
        self.run(sql, query_parameters(parameters, night.partition(where), PARTITION_TYPES))


def bigquery_staging(schema: str, tables: Mapping[str, NightTable]) -> tuple[Staged, ...]:
    """Each night table as the run's statements see it: written to its staged table, read as
    the query of the view DuckDB's staging makes (sql/staging/prepare.sql, its last one)."""
    out = []
    for name, table in sorted(tables.items()):
        *_, view = table.run_sql("prepare", schema, partial(bigquery_names, table))
        rows = sqlglot.parse_one(view, read=SOURCE_DIALECT).expression.sql(
            SOURCE_DIALECT, comments=False
        )
        out.append(Staged(name, dict(bigquery_names(table, schema))["staged_table"], rows))
    return tuple(out)


class BigQueryRunStaging:
    """The warehouse as one run's steps use it (BigQuery): staged writes, one publish.

    The staging is tables of the dataset named after the run; the publish is one
    multi-statement transaction, and the staging tables are dropped once it committed
    (BigQuery allows no DDL inside a transaction). A run killed between the two leaves its
    staging tables, which the next run drops like those of a run that failed."""

    dialect = "bigquery"

    def __init__(self, warehouse: BigQueryWarehouse, run_id: str):
        self.warehouse, self.run_id = warehouse, run_id
        self.schema = staging_schema(run_id)
        self.tables = {t.name: t for t in bigquery_night_tables()}
        self._staging_exists = False

    def _staging(self, session: BigQuerySession) -> tuple[list[str], list[str]]:
        """The staging tables in the dataset: this run's, and those of runs that never
        published or never dropped theirs."""
        found = [
            t.table_id
            for t in session.client.list_tables(session.dataset)
            if t.table_id.startswith(STAGING_PREFIX)
        ]
        mine = [t for t in found if t.startswith(self.schema + "_")]
        return mine, sorted(set(found) - set(mine))

    def _drop(self, session: BigQuerySession, tables: list[str]) -> None:
        if tables:
            session.run(";\n".join(f"DROP TABLE IF EXISTS {backquoted(t)}" for t in tables) + ";")

    @contextmanager
    def session(self) -> Iterator[StagedBigQuerySession]:
        with self.warehouse.session() as session:
            if not self._staging_exists:
                mine, stale = self._staging(session)
                self._drop(session, stale)
                if not mine:
                    self._prepare(session)
                self._staging_exists = True
            staged = StagedBigQuerySession(session, self.schema, self.tables)
            try:
                yield staged
            finally:
                # The session is the warehouse's to end, whichever object started it.
                session.session_id = staged.session_id

    def _prepare(self, session: BigQuerySession) -> None:
        """This run's staged and replaced tables, made empty, in one script."""
        created = []
        for table in self.tables.values():
            names = partial(bigquery_names, table)
            *tables, _view = table.run_sql("prepare", self.schema, names)
            created += [transpile(statement).sql for statement in tables]
        session.run(";\n".join(created) + ";")

    # A query and a partition replaced in a session of their own, as the warehouse does them.
    query = BigQueryWarehouse.query
    replace_partition = BigQueryWarehouse.replace_partition

    def publish(self) -> None:
        """Every night the run staged, into the stored tables in one transaction; then its
        staging tables are dropped."""
        with self.warehouse.session() as session:
            mine, _stale = self._staging(session)
            if not mine:
                return
            published = [
                transpile(statement).sql
                for table in self.tables.values()
                for statement in table.run_sql(
                    "publish", self.schema, partial(bigquery_names, table)
                )
            ]
            session.run(";\n".join(["BEGIN TRANSACTION", *published, "COMMIT TRANSACTION"]) + ";")
            self._drop(session, mine)
            self._staging_exists = False
