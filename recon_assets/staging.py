"""A night is stored whole or not at all: a run stages what it writes and publishes it at once.

Every step of a run that writes a night (the seven sources, matched_ledger,
classified_variances, exception_report) writes into the run's own staging and reads the
store through it, the run's rows laid over the stored ones: each step sees the nights as the
run has made them so far, and nobody else sees anything of them. The last of those steps in
the run publishes: one transaction deletes the partitions the run replaced from the stored
tables and inserts its staged rows. A run that fails or is killed before that never
published, so the stored nights are exactly as they were; the next run drops its staging.

DuckDB stages in a schema of the file (`run_<run id>`: tables and a view per table, found
through the search path). BigQuery stages in tables of the dataset (staging_bigquery.py).

Slack posts are not staged: a post happened whether or not the run that made it finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

import dagster as dg

from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import Templated, statements
from recon_assets.warehouse import DuckDBSession, Warehouse, quoted_identifier
from recon_assets.warehouse_duckdb import DuckDBWarehouse

STAGING_PREFIX = "run_"
# Stands for the run's staging schema in the transpiled statements (NightTable.run_sql).
RUN_SCHEMA = STAGING_PREFIX + "schema_of_this_run"
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

    def run_sql(self, name: str, schema: str, names: Callable[[str], Templated]) -> tuple[str, ...]:
        """A file of sql/staging/ for this table of the run whose staging is `schema`, its
        tables named `names(schema)`. It is transpiled with a stand-in for the schema, put in
        after: so its statements come from the cache of transpiled SQL
        (`settings.sql_cache_dir`) on every run, not parsed again (and kept again) per run."""
        generic = self.sql(name, names(RUN_SCHEMA))
        return tuple(statement.replace(RUN_SCHEMA, schema) for statement in generic)

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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """None: the run's staging is its transaction. What a step writes is seen by nobody
        else until the run publishes, and a step that fails leaves a run that never does. A
        DuckDB transaction around a step would hold every temporary table the step drops
        until its COMMIT (at 1M orders, the night's universe while matched_ledger runs)."""
        yield

    def write_target(self, table: str) -> str:
        if table not in self.tables:
            return f"{self.catalog}.main.{quoted_identifier(table)}"
        return f"{self.catalog}.{self.schema}.{quoted_identifier('staged_' + table)}"

    def replacing(self, table: str, where: Mapping[str, Any]) -> None:
        night_table = self.tables.get(table)
        if night_table is None:
            return
        names = partial(night_table.templates, self.catalog)
        for statement in night_table.run_sql("mark_replaced", self.schema, names):
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
                names = partial(table.templates, catalog)
                for statement in table.run_sql("prepare", self.schema, names):
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
                    names = partial(table.templates, catalog)
                    for statement in table.run_sql("publish", self.schema, names):
                        session.execute(statement)
                session.execute(f"DROP SCHEMA {catalog}.{quoted_identifier(self.schema)} CASCADE")
            self._staging_exists = False


@runtime_checkable
class Staging(Protocol):
    """The warehouse as one run's steps use it, whichever warehouse it is."""

    run_id: str

    def publish(self) -> None: ...


def for_run(warehouse: Warehouse, context: dg.AssetExecutionContext) -> Warehouse:
    """The warehouse as this run's writing steps use it."""
    if isinstance(warehouse, DuckDBWarehouse) and warehouse.stages_runs:
        return RunStaging(warehouse, context.run_id)
    if warehouse.dialect == "bigquery":
        # Google's client libraries load only for a BigQuery store.
        from recon_assets.staging_bigquery import BigQueryRunStaging

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
    if failed or not isinstance(warehouse, Staging):
        return
    # The assets this run executes (its job, subset to the run's selection).
    selected = context.job_def.asset_layer.selected_asset_keys
    # A multi-asset step (matched_ledger and its audit trail) is at its main asset's stage.
    step = {key.to_user_string() for key in context.selected_asset_keys}
    stage = next(i for i, names in enumerate(WRITING_STAGES) if step & set(names))
    later = [name for names in WRITING_STAGES[stage + 1 :] for name in names]
    if not any(dg.AssetKey(name) in selected for name in later):
        warehouse.publish()
