"""BigQuery as the warehouse: the same assets and the same `sql/`, run inside BigQuery.

Every statement the assets hand a session is written in DuckDB's dialect (the files of
`sql/` and the few inline strings alike); the session transpiles it with sqlglot, binds its
`$name` parameters as typed BigQuery query parameters and runs it as a query job in one
BigQuery session, so temporary tables and transactions span the night's statements and the
matching runs in BigQuery, never in local pandas. Tables are partitioned by their date
column (recon_date, else business_date) and clustered by their key, and every write replaces
one partition, so a night's statements prune to the partitions they name.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any, ClassVar, NamedTuple

import dagster as dg
import pandas as pd
import sqlglot
from dagster_gcp import BigQueryResource
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from pydantic import PrivateAttr
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from recon_assets.redact import redact, redact_error
from recon_assets.settings import Settings
from recon_assets.sql import SOURCE_DIALECT, ddl_files, load_sql
from recon_assets.warehouse import PartitionWrites, quoted_identifier

DIALECT = "bigquery"
# The partition column of a table is the first of these it has: a reconciliation table is
# read and replaced by night (recon_date) even where it also records a business_date.
PARTITION_COLUMNS = ("recon_date", "business_date")
# Clustering follows what the SQL joins and filters on within a partition.
CLUSTERING: dict[str, tuple[str, ...]] = {
    "leg_facts": ("check_name", "key"),
    "fact_records": ("check_name", "key"),
    "entity_records": ("entity_type", "entity_key"),
    "matched_ledger": ("entity_type", "entity_key"),
    "classified_variances": ("check_name", "key"),
    "break_resolutions": ("check_name", "key"),
    "classified_variances_history": ("break_id",),
    "classification_runs": ("run_id",),
    "source_deliveries": ("source",),
    "night_digests": ("asset",),
    "report_history": ("run_id",),
    "report_text": ("run_id", "part"),
    "slack_posts": ("channel",),
}
# The tables the sources are loaded into (DESIGN.md section 4), as sql/ddl declares them.
SOURCE_DDL = "ddl/sources"
JOB_LABELS = {"app": "recon_assets"}


# --- DDL: the tables of sql/ddl, partitioned and clustered ---------------------------------


@cache
def ddl_trees() -> tuple[exp.Create, ...]:
    """Every CREATE TABLE of `sql/ddl/`, parsed from its DuckDB source."""
    found = []
    for name in ddl_files():
        found += [t for t in sqlglot.parse(load_sql(name), read=SOURCE_DIALECT) if t]
    return tuple(t for t in found if isinstance(t, exp.Create) and t.kind == "TABLE")


@cache
def table_columns() -> dict[str, dict[str, str]]:
    """{table: {column: BigQuery type}} as the DDL declares them, in declaration order."""
    return {
        tree.this.this.name: {
            column.name: column.args["kind"].sql(DIALECT)
            for column in tree.this.expressions
            if isinstance(column, exp.ColumnDef)
        }
        for tree in ddl_trees()
    }


def backquoted(name: str) -> str:
    return quoted_identifier(name, "`")  # BigQuery quotes identifiers with backticks


def partition_column(table: str) -> str:
    columns = table_columns()[table]
    for candidate in PARTITION_COLUMNS:
        if columns.get(candidate) == "DATE":
            return candidate
    raise ValueError(f"table {table} has no DATE column of {PARTITION_COLUMNS} to partition by")


def source_clustering() -> dict[str, tuple[str, ...]]:
    """Older source records are re-read by their key (carried breaks, evidence rows): a source
    table clusters by its key, the first column after its business_date, as DESIGN.md section
    4 lists a source's key first. Read from the DDL, so this module needs no catalogue."""
    out = {}
    for tree in sqlglot.parse(load_sql(SOURCE_DDL), read=SOURCE_DIALECT):
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            columns = [c.name for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
            out[tree.this.this.name] = (columns[columns.index("business_date") + 1],)
    return out


@cache
def bigquery_ddl() -> dict[str, str]:
    """{table: CREATE TABLE IF NOT EXISTS ... PARTITION BY ... CLUSTER BY ...} for BigQuery.

    DuckDB has no partitioning clause, so the files of sql/ddl stay plain and the partition
    and clustering are added here, on the parsed tree.
    """
    out = {}
    clustering = {**source_clustering(), **CLUSTERING}
    for tree in ddl_trees():
        table = tree.this.this.name
        tree = tree.copy()
        properties = [exp.PartitionedByProperty(this=exp.to_identifier(partition_column(table)))]
        if clustering.get(table):
            properties.append(
                exp.ClusterProperty(expressions=[exp.column(c) for c in clustering[table]])
            )
        tree.set("properties", exp.Properties(expressions=properties))
        out[table] = tree.sql(dialect=DIALECT, unsupported_level=ErrorLevel.RAISE, comments=False)
    return out


# --- Transpiling DuckDB statements to BigQuery ---------------------------------------------


def insert_by_name(insert: exp.Insert, columns: list[str]) -> exp.Insert:
    """`INSERT INTO t BY NAME <query>` as BigQuery has it: named columns, picked by name."""
    picked = exp.select(*columns).from_(exp.Subquery(this=insert.expression, alias="incoming"))
    return exp.Insert(
        this=exp.Schema(this=insert.this, expressions=[exp.to_identifier(c) for c in columns]),
        expression=picked,
    )


def _portable(node: exp.Expression) -> exp.Expression:
    """DuckDB constructs sqlglot keeps verbatim but BigQuery rejects, rewritten alike."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "now":
        return exp.CurrentTimestamp()
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_json":
        # DuckDB's to_json gives JSON text; BigQuery's TO_JSON a JSON value, TO_JSON_STRING text.
        return exp.Anonymous(this="TO_JSON_STRING", expressions=node.expressions)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        # A row's 64-bit hash: DuckDB hashes the value, BigQuery fingerprints its JSON text.
        return exp.Anonymous(
            this="FARM_FINGERPRINT",
            expressions=[exp.Anonymous(this="TO_JSON_STRING", expressions=node.expressions)],
        )
    order = node.args.get("order") if isinstance(node, exp.Select) else None
    if order and [o.this for o in order.expressions] == [exp.var("ALL")]:
        # ORDER BY ALL is every output column in order; BigQuery takes the positions.
        if any(isinstance(e, exp.Star) for e in node.expressions):
            raise ValueError(f"ORDER BY ALL over SELECT * cannot be expanded: {node.sql()}")
        positions = [
            exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(node.expressions))
        ]
        node.set("order", exp.Order(expressions=positions))
    return node


def parameter_names(tree: exp.Expression) -> set[str]:
    """The bound parameters a statement uses (`$name` in DuckDB, `@name` in BigQuery)."""
    return {p.name for p in tree.find_all(exp.Placeholder, exp.Parameter) if p.name}


class BigQueryStatement(NamedTuple):
    sql: str
    parameters: frozenset[str]
    # True when it opens a transaction, False when it ends one (commit or rollback).
    transaction: bool | None


class Staged(NamedTuple):
    """A night table as one run's statements see it (recon_assets/staging.py)."""

    table: str
    staged_table: str  # where the run writes its rows
    rows: str  # the DuckDB query of the rows the run reads: staged over stored


def read_through(tree: exp.Expression, staging: Mapping[str, Staged]) -> exp.Expression:
    """`tree` with each staged table it reads read as the run's rows of it instead
    (BigQuery has no search path to put a run's view first)."""
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    # The tables of the statement as written, so a query put in is not rewritten again.
    for table in list(tree.find_all(exp.Table)):
        if table.name in staging and table.name not in ctes and not table.args.get("db"):
            rows = sqlglot.parse_one(staging[table.name].rows, read=SOURCE_DIALECT)
            alias = exp.TableAlias(this=exp.to_identifier(table.alias_or_name))
            table.replace(exp.Subquery(this=rows, alias=alias))
    return tree


@cache
def transpile(sql: str, staging: tuple[Staged, ...] = ()) -> BigQueryStatement:
    """A DuckDB statement (or several) as one BigQuery query, and the parameters it uses;
    in a run's staged session, its reads of the `staging` tables rewritten."""
    trees = [t for t in sqlglot.parse(sql, read=SOURCE_DIALECT) if t is not None]
    staged = {s.table: s for s in staging}
    stored_of = {s.staged_table: s.table for s in staging}
    names: set[str] = set()
    transaction = None
    out = []
    for tree in trees:
        names |= parameter_names(tree)
        if isinstance(tree, exp.Transaction):
            transaction = True
        elif isinstance(tree, exp.Commit | exp.Rollback):
            transaction = False
        tree = read_through(tree.copy(), staged).transform(_portable)
        if isinstance(tree, exp.Insert) and tree.args.get("by_name"):
            # The table's columns as the DDL declares them (the DDL made the table; a staged
            # table is a copy of its stored one).
            table = tree.this.name
            tree = insert_by_name(tree, list(table_columns()[stored_of.get(table, table)]))
        # The DuckDB comments are for readers of sql/; in every BigQuery job they are noise.
        out.append(tree.sql(dialect=DIALECT, unsupported_level=ErrorLevel.RAISE, comments=False))
    return BigQueryStatement(";\n".join(out), frozenset(names), transaction)


# --- Values: query parameters and frames as BigQuery types ----------------------------------


def bigquery_type(value: Any) -> str:
    """The BigQuery type of a Python value (bool before int: a bool is an int in Python)."""
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, decimal.Decimal):
        return "NUMERIC"
    if isinstance(value, dt.datetime):
        return "TIMESTAMP" if value.tzinfo else "DATETIME"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, str):
        return "STRING"
    raise TypeError(f"no BigQuery type for {type(value).__name__} {value!r}")


def as_type(value: Any, type_: str) -> Any:
    """`value` as the Python value the client sends for `type_` (None stays NULL)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if type_ == "DATE":
        return value if type(value) is dt.date else pd.Timestamp(value).date()
    if type_ in ("TIMESTAMP", "DATETIME"):
        return pd.Timestamp(value).to_pydatetime()
    if type_ == "INT64":
        return int(value)
    if type_ == "BOOL":
        return bool(value)
    if type_ == "FLOAT64":
        return float(value)
    return str(value)


def query_parameters(
    names: frozenset[str], params: Mapping[str, Any], types: Mapping[str, str] | None = None
) -> list[bigquery.ScalarQueryParameter]:
    """Typed parameters for the names a statement uses; `types` overrides the inference."""
    missing = sorted(names - set(params))
    if missing:
        raise KeyError(f"statement needs parameters {missing}")
    out = []
    for name in sorted(names):
        value = params[name]
        if hasattr(value, "item"):
            value = value.item()
        type_ = (types or {}).get(name) or ("STRING" if value is None else bigquery_type(value))
        out.append(bigquery.ScalarQueryParameter(name, type_, as_type(value, type_)))
    return out


def frame_schema(frame: pd.DataFrame, known: Mapping[str, str]) -> dict[str, str]:
    """{column: BigQuery type}: the `known` type, else inferred from the first value."""
    schema = {}
    for column in frame.columns:
        if column in known:
            schema[column] = known[column]
            continue
        values = frame[column].dropna()
        if pd.api.types.is_bool_dtype(frame[column]):
            schema[column] = "BOOL"
        elif pd.api.types.is_integer_dtype(frame[column]):
            schema[column] = "INT64"
        elif pd.api.types.is_float_dtype(frame[column]):
            schema[column] = "FLOAT64"
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            schema[column] = "TIMESTAMP"
        else:
            schema[column] = bigquery_type(values.iloc[0]) if len(values) else "STRING"
    return schema


def conform(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with each column holding values of its BigQuery type, nulls as None."""
    dtypes = {"INT64": "Int64", "BOOL": "boolean", "FLOAT64": "float64"}
    out = {}
    for column, type_ in schema.items():
        values = [as_type(v, type_) for v in frame[column]]
        out[column] = pd.Series(values, index=frame.index, dtype=dtypes.get(type_, object))
    return pd.DataFrame(out, index=frame.index)


# --- The session and the warehouse ----------------------------------------------------------


class BigQuerySession(PartitionWrites):
    """One BigQuery session: temporary tables and a transaction live as long as it does.

    The first job creates the session; every later job joins it by its session id.
    """

    def __init__(self, client: bigquery.Client, dataset: str):
        self.client = client
        self.dataset = dataset
        self.session_id: str | None = None
        self.in_transaction = False
        # A run's staged tables (its staged session, recon_assets/staging.py).
        self.staging: tuple[Staged, ...] = ()

    def _join(self, config: bigquery.QueryJobConfig | bigquery.LoadJobConfig) -> None:
        if self.session_id is None:
            config.create_session = True
        else:
            config.connection_properties = [
                bigquery.ConnectionProperty("session_id", self.session_id)
            ]
        config.labels = JOB_LABELS

    def _joined(self, job: bigquery.QueryJob | bigquery.LoadJob) -> None:
        if self.session_id is None:
            if job.session_info is None or not job.session_info.session_id:
                raise RuntimeError(f"BigQuery job {job.job_id} did not start a session")
            self.session_id = job.session_info.session_id

    def run(
        self, sql: str, parameters: list[bigquery.ScalarQueryParameter] | None = None
    ) -> bigquery.table.RowIterator:
        """One query job in this session, in BigQuery's dialect, waited for."""
        config = bigquery.QueryJobConfig(
            default_dataset=self.dataset, query_parameters=parameters or []
        )
        self._join(config)
        job = self.client.query(sql, job_config=config)
        rows = job.result()
        self._joined(job)
        return rows

    def _run_duckdb(self, statement: str, params: Mapping[str, Any] | None):
        sql, names, transaction = transpile(statement, self.staging)
        rows = self.run(sql, query_parameters(names, params or {}))
        # A transaction begun or ended by hand (the assets' rerun-and-roll-back) counts too.
        if transaction is not None:
            self.in_transaction = transaction
        return rows

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        self._run_duckdb(statement, params)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        rows = self._run_duckdb(sql, params)
        frame = rows.to_dataframe()
        # Dates as DuckDB returns them (datetime64), so both engines give the same frames.
        for field in rows.schema or ():
            if field.field_type == "DATE":
                frame[field.name] = pd.to_datetime(frame[field.name])
        return frame

    def _load(self, name: str, frame: pd.DataFrame, known: Mapping[str, str]) -> None:
        schema = frame_schema(frame, known)
        config = bigquery.LoadJobConfig(
            schema=[bigquery.SchemaField(c, t) for c, t in schema.items()],
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        )
        self._join(config)
        # `_SESSION` is how a load job names the session's temporary tables.
        destination = f"{self.client.project}._SESSION.{name}"
        job = self.client.load_table_from_dataframe(
            conform(frame, schema), destination, job_config=config
        )
        job.result()
        self._joined(job)

    def load(self, name: str, frame: pd.DataFrame) -> None:
        """A session temporary table holding `frame` (rules and settings the SQL joins with)."""
        backquoted(name)
        self._load(name, frame, {})

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        """Delete the rows matching `where`, insert `frame` with the `where` values.

        Atomic: one script, its own transaction unless the caller already opened one.
        """
        types = table_columns()[table]
        incoming = f"_incoming_{table}"
        rows = frame.assign(**where)
        self._load(incoming, rows, types)
        self.replacing(table, where)
        target = self.write_target(table)
        condition = " AND ".join(f"{backquoted(c)} = @{c}" for c in where)
        insert = insert_by_name(
            exp.Insert(this=exp.to_table(target), expression=exp.select("*").from_(incoming)),
            list(rows.columns),
        )
        statements = [
            f"DELETE FROM {backquoted(target)} WHERE {condition}",
            insert.sql(dialect=DIALECT),
        ]
        if not self.in_transaction:
            statements = ["BEGIN TRANSACTION", *statements, "COMMIT TRANSACTION"]
        self.run(
            ";\n".join(statements) + ";",
            query_parameters(frozenset(where), where, {c: types[c] for c in where}),
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def close(self) -> None:
        """Ends the session: its temporary tables go, an open transaction rolls back."""
        if self.session_id is not None:
            self.run("CALL BQ.ABORT_SESSION()")


class BigQueryWarehouse(dg.ConfigurableResource):
    """A BigQuery dataset holding every partition of every asset (dagster-gcp's client).

    Credentials are Google's application default credentials, unless `api_endpoint` points
    the client at a local stand-in or emulator, which takes anonymous credentials.
    """

    dialect: ClassVar[str] = DIALECT

    project: str
    dataset: str
    location: str | None = None
    api_endpoint: str | None = None

    _tables_ready: bool = PrivateAttr(default=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> BigQueryWarehouse:
        # Settings.from_env refused RECON_WAREHOUSE=bigquery without a project and dataset.
        return cls(
            project=settings.bigquery_project,
            dataset=settings.bigquery_dataset,
            location=settings.bigquery_location,
            api_endpoint=settings.bigquery_api_endpoint,
        )

    @contextmanager
    def client(self) -> Iterator[bigquery.Client]:
        if self.api_endpoint:
            made = nullcontext(
                bigquery.Client(
                    project=self.project,
                    location=self.location,
                    credentials=AnonymousCredentials(),
                    client_options=ClientOptions(api_endpoint=self.api_endpoint),
                )
            )
        else:
            made = BigQueryResource(project=self.project, location=self.location).get_client()
        with made as client:
            try:
                yield client
            finally:
                client.close()

    def _create_missing_tables(self, session: BigQuerySession) -> None:
        """CREATE TABLE for the tables the dataset lacks: one listing, at most one job."""
        if self._tables_ready:
            return
        present = {t.table_id for t in session.client.list_tables(session.dataset)}
        missing = [ddl for table, ddl in bigquery_ddl().items() if table not in present]
        if missing:
            session.run(";\n".join(missing) + ";")
        self._tables_ready = True

    @contextmanager
    def session(self) -> Iterator[BigQuerySession]:
        with self.client() as client:
            session = BigQuerySession(client, f"{self.project}.{self.dataset}")
            try:
                self._create_missing_tables(session)
                yield session
            except BaseException as error:
                # What BigQuery answered is logged and kept in the run record: no secret in it.
                redact_error(error)
                # The error that brought us here is the one to see; failing to end the
                # session only leaves it to expire on its own.
                try:
                    session.close()
                except Exception as err:
                    dg.get_dagster_logger(__name__).warning(
                        f"could not end BigQuery session {session.session_id}: {redact(str(err))}"
                    )
                raise
            session.close()

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.session() as session:
            return session.query(sql, params)

    def replace_partition(self, table: str, where: Mapping[str, Any], frame: pd.DataFrame) -> None:
        with self.session() as session:
            session.replace_partition(table, where, frame)
