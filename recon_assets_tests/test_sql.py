"""Every query of sql/ is written once and transpiles to BigQuery SQL that parses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import recon_assets
from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import load_sql, sql_files, statements
from recon_assets.warehouse_duckdb import DuckDBWarehouse


@pytest.mark.parametrize("name", sql_files())
def test_file_transpiles_and_parses_as_bigquery(name):
    transpiled = statements(name, "bigquery")
    assert transpiled
    for sql in transpiled:
        assert sqlglot.parse_one(sql, read="bigquery") is not None
        # Parameters are bound as @name: no DuckDB-style $name is left outside a string.
        tokens = sqlglot.tokenize(sql, read="bigquery")
        assert not [t.text for t in tokens if t.text.startswith("$")]


def test_parameters_are_bound_not_formatted():
    [sql] = statements("reconciliation/universe", "bigquery")
    assert "@recon_date" in sql and "@window_start" in sql


def test_a_store_made_before_the_newer_columns_gains_them(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE source_deliveries (business_date DATE NOT NULL, source VARCHAR NOT NULL, "
        "delivered BOOLEAN NOT NULL, file_name VARCHAR, row_count BIGINT NOT NULL)"
    )
    con.close()
    with DuckDBWarehouse(database=str(path)).session() as session:
        columns = session.query("DESCRIBE source_deliveries")["column_name"].tolist()
        breaks = session.query("DESCRIBE classified_variances")["column_name"].tolist()
    assert columns[-3:] == ["file_sha256", "file_size", "file_mtime_ns"]
    assert breaks[-1] == "rule_not_applied"


def test_evidence_lists_every_column_of_every_source_as_the_catalogue_declares_them():
    """sql/reconciliation/evidence.sql spells out each source's fields (sorted keys, so the
    evidence is the same text on both warehouses): it must follow the catalogue."""
    tree = sqlglot.parse_one(load_sql("reconciliation/evidence"), read="duckdb")
    source_rows = next(c for c in tree.find_all(exp.CTE) if c.alias == "source_rows")
    found = {}
    for fields in source_rows.find_all(exp.JSONObject):
        select = fields.find_ancestor(exp.Select)
        source = select.expressions[0].unalias().name
        pairs = [(p.this.name, p.expression.name) for p in fields.expressions]
        assert all(key == column for key, column in pairs), source
        assert select.find(exp.Table).name == source
        found[source] = [key for key, _ in pairs]
    assert found == {spec.name: sorted(spec.columns) for spec in SOURCES}


# Statement text built around a name or query known only at run time (README, "SQL outside
# `sql/`"): the partition writes, a run's staging schema, the landing-file reader.
BUILT_AT_RUN_TIME = {
    "recon_assets/warehouse.py",
    "recon_assets/warehouse_bigquery.py",
    "recon_assets/staging.py",
    "recon_assets/staging_bigquery.py",
    "recon_assets/sources/landing.py",
}
STATEMENT = re.compile(
    r"\b(SELECT\s.*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|"
    r"(CREATE|DROP)\s+(OR\s+REPLACE\s+)?(TEMPORARY\s+)?(TABLE|VIEW|SCHEMA))\b",
    re.DOTALL,
)


def test_every_query_is_a_file_of_sql():
    package = Path(recon_assets.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        if path.relative_to(package).parts[0] in ("sql", "rules") or name in BUILT_AT_RUN_TIME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and STATEMENT.search(node.value)
            ):
                found.append(f"{name}:{node.lineno}")
    assert not found, f"SQL written in Python, not in sql/: {found}"
