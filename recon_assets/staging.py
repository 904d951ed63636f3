"""A night is stored whole or not at all: a run stages what it writes and publishes it at once.

Every step of a run that writes a night (the seven sources, matched_ledger,
classified_variances, exception_report) writes into the run's own staging and reads the
store through it, the run's rows laid over the stored ones: each step sees the nights as the
run has made them so far, and nobody else sees anything of them. The last of those steps in
the run publishes: one transaction deletes the partitions the run replaced from the stored
tables and inserts its staged rows. A run that fails or is killed before that never
published, so the stored nights are exactly as they were; the next run drops its staging.

DuckDB stages in a schema of the file (`run_<run id>`: tables and a view per table, found
through the search path). BigQuery has neither a search path nor DDL inside a transaction: a
run stages in tables of the dataset named `run_<run id>_...`, each statement's reads of a night
table are rewritten to the view's query (warehouse_bigquery.transpile), and the staging
tables are dropped after the publishing transaction commits.

Slack posts are not staged: a post happened whether or not the run that made it finishes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg
import sqlglot

from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import SOURCE_DIALECT, statements
from recon_assets.warehouse import DuckDBSession, Warehouse, quoted_identifier
from recon_assets.warehouse_bigquery import (
    BigQuerySession,
    BigQueryWarehouse,
    Staged,
    backquoted,
    query_parameters,
    table_columns,
    transpile,
)
from recon_assets.warehouse_duckdb import DuckDBWarehouse

STAGING_PREFIX = "run_"
UNSTAGED = frozenset({"slack_posts"})
# The partition of a table is its date (recon_date, else business_date) and, for these, a
# second key: a source's delivery, a step's digests.
PART_COLUMNS = {"source_deliveries": "source", "night_digests": "asset"}
DATE_COLUMNS = ("recon_date", "business_date")
# The steps that write a night, by stage, upstream first: the last stage a run selects
# publishes (a run of sources alone publishes after each source).
WRITING_STAGES = (
    tuple(spec.name for spec in SOURCES),
    ("matched_ledger",),
    ("classified_variances",),
    ("exception_report",),
)


def staging_schema(run_id: str) -> str:
    return STAGING_PREFIX + run_id.replace("-", "")


@dataclass(frozen=True)
class NightTable:
    name: str
    date_column: str
    part_column: str

    def templates(self, catalog: str, schema: str) -> tuple[tuple[str, str], ...]:
        """The names sql/staging/ is written with, for this table of this run (DuckDB)."""
        return (
            ("stored_table", f"{catalog}.main.{self.name}"),
            ("staged_table", f"{catalog}.{schema}.staged_{self.name}"),
            ("replaced_table", f"{catalog}.{schema}.replaced_{self.name}"),
            ("night_table", f"{catalog}.{schema}.{self.name}"),
        )

    def sql(self, name: str, names: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
        """A file of sql/staging/ for this table, its tables named `names`."""
        return statements(
            f"staging/{name}",
            tables=names,
            columns=(("date_column", self.date_column), ("part_column", self.part_column)),
        )

    def partition(self, where: Mapping[str, Any]) -> dict[str, Any]:
        """The partition a write replaces, as sql/staging/mark_replaced.sql takes it."""
        keys = set(where) - {self.date_column}
        if self.date_column not in where or keys - {self.part_column}:
            raise ValueError(f"{self.name} is replaced by {self.date_column}, not by {where}")
        part = where.get(self.part_column) if keys else None
        return {"partition_date": where[self.date_column], "part_value": part}


def night_table(name: str, columns: Iterable[str]) -> NightTable:
    date_column = next(c for c in DATE_COLUMNS if c in columns)
    return NightTable(name, date_column, PART_COLUMNS.get(name, date_column))


def night_tables(session: DuckDBSession) -> list[NightTable]:
    (query,) = statements("staging/night_tables")
    return [
        night_table(row.table_name, row.columns)
        for row in session.query(query).itertuples()
        if row.table_name not in UNSTAGED
    ]


def _catalog(session: DuckDBSession) -> str:
    return quoted_identifier(session.query("SELECT current_database() AS c")["c"].iloc[0])


class StagedSession(DuckDBSession):
    """A session of a run: reads see the run's staged rows, writes go to its staging."""

    def __init__(self, con, catalog: str, schema: str, tables: Mapping[str, NightTable]):
        super().__init__(con)
        self.catalog, self.schema, self.tables = catalog, schema, tables

    def write_target(self, table: str) -> str:
        if table not in self.tables:
            return f"{self.catalog}.main.{quoted_identifier(table)}"
        return f"{self.catalog}.{self.schema}.{quoted_identifier('staged_' + table)}"

    def replacing(self, table: str, where: Mapping[str, Any]) -> None:
        night_table = self.tables.get(table)
        if night_table is None:
            return
        for statement in night_table.sql(
            "mark_replaced", night_table.templates(self.catalog, self.schema)
        ):
            self.execute(statement, night_table.partition(where))


class RunStaging:
    """The warehouse as one run's steps use it (DuckDB): staged writes, one publish."""

    dialect = "duckdb"

    def __init__(self, warehouse: DuckDBWarehouse, run_id: str):
        self.warehouse, self.run_id = warehouse, run_id
        self.schema = staging_schema(run_id)
        # Looked up once per step: the file's name and tables do not change during a run.
        self._layout: tuple[str, list[NightTable]] | None = None
        self._staging_exists = False

    @contextmanager
    def _plain(self) -> Iterator[tuple[DuckDBSession, str, list[NightTable]]]:
        with self.warehouse.session() as session:
            if self._layout is None:
                self._layout = (_catalog(session), night_tables(session))
            yield session, *self._layout

    def _stages(self, session: DuckDBSession) -> list[str]:
        (query,) = statements("staging/stages")
        return list(session.query(query, {"prefix": STAGING_PREFIX})["schema_name"])

    @contextmanager
    def session(self) -> Iterator[StagedSession]:
        with self._plain() as (session, catalog, tables):
            if not self._staging_exists and self.schema not in self._stages(session):
                self._prepare(session, catalog, tables)
            self._staging_exists = True
            session.execute(f"SET search_path = '{catalog}.{self.schema},{catalog}.main'")
            yield StagedSession(session.con, catalog, self.schema, {t.name: t for t in tables})

    def _prepare(self, session: DuckDBSession, catalog: str, tables: list[NightTable]) -> None:
        """This run's staging; the staging of runs that died before publishing is dropped."""
        with session.transaction():
            for stale in self._stages(session):
                session.execute(f"DROP SCHEMA {catalog}.{quoted_identifier(stale)} CASCADE")
            session.execute(f"CREATE SCHEMA {catalog}.{quoted_identifier(self.schema)}")
            for table in tables:
                for statement in table.sql("prepare", table.templates(catalog, self.schema)):
                    session.execute(statement)

    # A query and a partition replaced in a session of their own, as the warehouse does them.
    query = DuckDBWarehouse.query
    replace_partition = DuckDBWarehouse.replace_partition

    def publish(self) -> None:
        """Every night the run staged, into the stored tables in one transaction."""
        with self._plain() as (session, catalog, tables):
            if self.schema not in self._stages(session):
                return
            with session.transaction():
                for table in tables:
                    for statement in table.sql("publish", table.templates(catalog, self.schema)):
                        session.execute(statement)
                session.execute(f"DROP SCHEMA {catalog}.{quoted_identifier(self.schema)} CASCADE")
            self._staging_exists = False


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
        names = bigquery_names(night, self.schema)
        sql, parameters, _ = transpile(";\n".join(night.sql("mark_replaced", names)))
        self.run(sql, query_parameters(parameters, night.partition(where), PARTITION_TYPES))


def bigquery_staging(schema: str, tables: Mapping[str, NightTable]) -> tuple[Staged, ...]:
    """Each night table as the run's statements see it: written to its staged table, read as
    the query of the view DuckDB's staging makes (sql/staging/prepare.sql, its last one)."""
    out = []
    for name, table in sorted(tables.items()):
        names = bigquery_names(table, schema)
        *_, view = table.sql("prepare", names)
        rows = sqlglot.parse_one(view, read=SOURCE_DIALECT).expression.sql(
            SOURCE_DIALECT, comments=False
        )
        out.append(Staged(name, dict(names)["staged_table"], rows))
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
            *tables, _view = table.sql("prepare", bigquery_names(table, self.schema))
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
                for statement in table.sql("publish", bigquery_names(table, self.schema))
            ]
            session.run(";\n".join(["BEGIN TRANSACTION", *published, "COMMIT TRANSACTION"]) + ";")
            self._drop(session, mine)
            self._staging_exists = False


def for_run(warehouse: Warehouse, context: dg.AssetExecutionContext) -> Warehouse:
    """The warehouse as this run's writing steps use it."""
    if isinstance(warehouse, DuckDBWarehouse) and warehouse.stages_runs:
        return RunStaging(warehouse, context.run_id)
    if isinstance(warehouse, BigQueryWarehouse):
        return BigQueryRunStaging(warehouse, context.run_id)
    return warehouse


def publish_if_last(
    warehouse: Warehouse,
    context: dg.AssetExecutionContext,
    results: list[dg.MaterializeResult],
) -> None:
    """Publishes the run's nights when no later writing step is part of this run and this
    step's blocking checks passed (a failed one fails the run: nothing is published)."""
    blocking = {spec.name for spec in context.assets_def.check_specs if spec.blocking}
    failed = any(
        not check.passed and check.check_name in blocking
        for result in results
        for check in result.check_results
    )
    if failed or not isinstance(warehouse, RunStaging | BigQueryRunStaging):
        return
    # The assets this run executes (its job, subset to the run's selection).
    selected = context.job_def.asset_layer.selected_asset_keys
    # A multi-asset step (matched_ledger and its audit trail) is at its main asset's stage.
    step = {key.to_user_string() for key in context.selected_asset_keys}
    stage = next(i for i, names in enumerate(WRITING_STAGES) if step & set(names))
    later = [name for names in WRITING_STAGES[stage + 1 :] for name in names]
    if not any(dg.AssetKey(name) in selected for name in later):
        warehouse.publish()
