"""Every query of sql/ and every statement the assets run, as BigQuery gets it."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import sql_files, statements
from recon_assets.staging import staging_schema
from recon_assets.staging_bigquery import bigquery_names, bigquery_night_tables, bigquery_staging
from recon_assets.warehouse_bigquery import (
    bigquery_ddl,
    partition_column,
    table_columns,
    transpile,
)
from recon_assets_tests.bigquery.pruning import unpruned_scans

# sql/staging is written with placeholder table names; BigQuery runs it with a run's own
# names (test_a_runs_staging_statements_parse_as_bigquery), never its DuckDB catalogue queries.
# sql/upgrade moves a DuckDB file kept by an earlier version; BigQuery never runs it.
FILE_STATEMENTS = [
    (name, s)
    for name in sql_files()
    if not name.startswith(("staging/", "upgrade/"))
    for s in statements(name)
]
RUN = staging_schema("0a1b2c3d-0000-4000-8000-000000000000")


def duckdb_leftovers(tree: exp.Expression) -> list[str]:
    """Constructs sqlglot's BigQuery parser accepts but BigQuery itself rejects."""
    found = [f"function {f.name}()" for f in tree.find_all(exp.Anonymous)]
    found += ["INSERT ... BY NAME" for i in tree.find_all(exp.Insert) if i.args.get("by_name")]
    found += ["ORDER BY ALL" for o in tree.find_all(exp.Ordered) if o.this == exp.var("ALL")]
    found += [f"${p.name}" for p in tree.find_all(exp.Placeholder)]
    return found


def comments(bigquery_sql: str) -> list[str]:
    return [c for token in sqlglot.tokenize(bigquery_sql, read="bigquery") for c in token.comments]


def assert_bigquery(duckdb_sql: str) -> list[exp.Expression]:
    sql, names, _ = transpile(duckdb_sql)
    assert comments(sql) == [], sql
    trees = sqlglot.parse(sql, read="bigquery", error_level=ErrorLevel.RAISE)
    assert trees and all(t is not None for t in trees)
    for tree in trees:
        assert duckdb_leftovers(tree) == [], sql
    used = {p.name for t in trees for p in t.find_all(exp.Parameter)}
    assert used == names, f"parameters {names} should be bound as @name in {sql}"
    return trees


@pytest.mark.parametrize(("name", "statement"), FILE_STATEMENTS, ids=lambda v: str(v)[:40])
def test_every_statement_of_sql_parses_as_bigquery(name: str, statement: str) -> None:
    assert_bigquery(statement)


def test_every_statement_a_night_runs_parses_as_bigquery(night_statements: list[str]) -> None:
    distinct = sorted(set(night_statements))
    # The night went through matching, classification and its inline statements.
    assert any("BY NAME" in s for s in distinct)
    assert any("ORDER BY ALL" in s for s in distinct)
    assert any(s.startswith("DELETE FROM") for s in distinct)
    for statement in distinct:
        assert_bigquery(statement)


def test_every_scan_of_a_night_prunes_to_its_partitions(night_statements: list[str]) -> None:
    for statement in sorted(set(night_statements)):
        unpruned = sorted(set(unpruned_scans(transpile(statement).sql)))
        assert unpruned == [], f"{unpruned} unpruned in: {statement}"


def test_pruning_check_tells_a_constant_filter_from_a_join() -> None:
    assert unpruned_scans("SELECT * FROM leg_facts WHERE recon_date = @d") == []
    assert unpruned_scans("SELECT * FROM shipments WHERE business_date BETWEEN @a AND @b") == []
    assert unpruned_scans("SELECT * FROM leg_facts WHERE recon_date = @d OR key = 'x'") == [
        "leg_facts"
    ]
    joined = (
        "SELECT * FROM fact_records AS fr JOIN leg_facts AS f ON f.recon_date = fr.recon_date "
        "WHERE fr.recon_date = @d"
    )
    assert unpruned_scans(joined) == ["leg_facts"]
    nested = "SELECT * FROM leg_facts WHERE recon_date = (SELECT MAX(recon_date) FROM x)"
    assert unpruned_scans(nested) == ["leg_facts"]


@pytest.mark.parametrize("table", sorted(table_columns()))
def test_every_table_is_partitioned_by_date_and_clustered_by_its_key(table: str) -> None:
    assert comments(bigquery_ddl()[table]) == []
    create = sqlglot.parse_one(bigquery_ddl()[table], read="bigquery")
    assert isinstance(create, exp.Create) and create.args.get("exists")
    partition = create.find(exp.PartitionedByProperty)
    cluster = create.find(exp.ClusterProperty)
    assert partition is not None and cluster is not None
    expected = "recon_date" if "recon_date" in table_columns()[table] else "business_date"
    assert partition.this.name == expected == partition_column(table)
    assert table_columns()[table][expected] == "DATE"
    assert {c.name for c in cluster.expressions} <= set(table_columns()[table])


def test_source_tables_cluster_by_their_key() -> None:
    for spec in SOURCES:
        assert bigquery_ddl()[spec.name].endswith(f"CLUSTER BY {spec.key}")


def test_insert_by_name_names_the_table_columns_and_picks_them_by_name() -> None:
    (tree,) = assert_bigquery(
        "INSERT INTO leg_facts BY NAME "
        "SELECT CAST($recon_date AS DATE) AS recon_date, * FROM tonight_facts"
    )
    columns = list(table_columns()["leg_facts"])
    assert [c.name for c in tree.this.expressions] == columns
    picked = tree.expression
    assert [c.name for c in picked.expressions] == columns
    assert picked.find(exp.Subquery).this.find(exp.Table).name == "tonight_facts"


def test_order_by_all_orders_by_every_output_column_nulls_last_as_duckdb() -> None:
    sql = transpile(
        "SELECT check_name, COUNT(*) AS n FROM leg_facts WHERE recon_date = $d "
        "GROUP BY ALL ORDER BY ALL"
    ).sql
    assert sql.endswith("GROUP BY ALL ORDER BY 1 NULLS LAST, 2 NULLS LAST")


def test_order_by_all_over_star_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="ORDER BY ALL"):
        transpile("SELECT * FROM leg_facts WHERE recon_date = $d ORDER BY ALL")


def test_comments_are_left_out_even_where_they_name_parameters() -> None:
    duckdb_sql = (
        "-- up to $recon_date\nSELECT 1 AS n /* $key */ FROM leg_facts WHERE recon_date = $d"
    )
    assert comments(duckdb_sql)  # the check sees comments when there are some
    assert transpile(duckdb_sql).sql == "SELECT 1 AS n FROM leg_facts WHERE recon_date = @d"


def test_transaction_statements_are_bigquerys() -> None:
    assert transpile("BEGIN TRANSACTION")[::2] == ("BEGIN TRANSACTION", True)
    assert transpile("COMMIT")[::2] == ("COMMIT TRANSACTION", False)
    assert transpile("ROLLBACK")[::2] == ("ROLLBACK TRANSACTION", False)
    assert transpile("SELECT now() AS t").sql == "SELECT CURRENT_TIMESTAMP() AS t"


@pytest.mark.parametrize("table", bigquery_night_tables(), ids=lambda t: t.name)
def test_a_runs_staging_statements_parse_as_bigquery(table) -> None:
    """Every statement a run stages, marks and publishes with on BigQuery (the view of
    prepare.sql is never made there: its query is what reads are rewritten to)."""
    names = bigquery_names(table, RUN)
    *tables, _view = table.sql("prepare", names)
    for statement in [*tables, *table.sql("mark_replaced", names), *table.sql("publish", names)]:
        assert_bigquery(statement)


def test_a_run_reads_its_staged_rows_laid_over_the_stored_ones() -> None:
    staging = bigquery_staging(RUN, {t.name: t for t in bigquery_night_tables()})
    sql, _, _ = transpile(
        "WITH ledger_entries AS (SELECT 1 AS x) "
        "SELECT o.order_id FROM oms_orders AS o, ledger_entries, matched_ledger "
        "WHERE matched_ledger.recon_date = $night",
        staging,
    )
    tree = sqlglot.parse_one(sql, read="bigquery")
    read = {t.name for t in tree.find_all(exp.Table)}
    # The stored rows less the replaced partitions, then the staged rows; a CTE of the same
    # name as a stored table is the statement's own and stays as it is.
    assert read == {
        "oms_orders",
        f"{RUN}_replaced_oms_orders",
        f"{RUN}_staged_oms_orders",
        "ledger_entries",
        "matched_ledger",
        f"{RUN}_replaced_matched_ledger",
        f"{RUN}_staged_matched_ledger",
    }
    aliases = {s.alias for s in tree.find_all(exp.Subquery) if s.alias}
    assert {"o", "matched_ledger"} <= aliases
    assert "UNION ALL BY NAME" in sql
