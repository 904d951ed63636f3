"""Every query of sql/ is written once and transpiles to BigQuery SQL that parses."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import recon_assets
from recon_assets.settings import sql_cache_dir
from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import cache_key, load_sql, sql_files, statements, transpiled
from recon_assets.staging import RUN_SCHEMA, night_table
from recon_assets.staging_bigquery import bigquery_names
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


# Run in a fresh process: prints a file's statements and a staging file's for one run, as
# JSON. With `block` the process cannot import sqlglot at all.
TRANSPILING = """
import json, sys
from functools import partial
if {block}:
    sys.modules["sqlglot"] = None
from recon_assets.sql import statements
from recon_assets.staging import night_table
table = night_table("leg_facts", ["recon_date", "key"])
print(json.dumps([
    statements("reconciliation/leg_facts"),
    statements("reconciliation/universe", tables=(("universe_source", "u_shipments"),)),
    table.run_sql("publish", "run_0a1b2c", partial(table.templates, '"recon"')),
]))
"""


def _transpiled_in_a_process(cache: Path, block: bool) -> list:
    found = subprocess.run(
        [sys.executable, "-c", TRANSPILING.format(block=block)],
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(found.stdout)


def test_transpiled_statements_are_kept_between_processes_and_read_back_as_made(tmp_path):
    made = _transpiled_in_a_process(tmp_path, block=False)
    assert list((tmp_path / "recon_assets/sql").glob("*.json"))
    # A second process finds every statement in the cache: it never imports sqlglot, even
    # for a run whose staging schema it has never seen...
    assert _transpiled_in_a_process(tmp_path, block=False) == made
    kept = _transpiled_in_a_process(tmp_path, block=True)
    assert kept == made
    # ...and that run's statements are the ones transpiled with its own name.
    table = night_table("leg_facts", ["recon_date", "key"])
    assert kept[2] == list(table.sql("publish", table.templates('"recon"', "run_0a1b2c")))
    assert "run_0a1b2c" in kept[2][-1] and RUN_SCHEMA not in "".join(kept[2])
    # BigQuery's staging tables are named after the run too, put in the same way.
    for name in ("prepare", "mark_replaced", "publish"):
        assert table.run_sql(name, "run_0a1b2c", partial(bigquery_names, table)) == table.sql(
            name, bigquery_names(table, "run_0a1b2c")
        )


def test_a_cache_entry_is_for_its_text_only_and_a_damaged_one_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    sql = load_sql("reconciliation/broken_legs")
    key = cache_key(sql, "duckdb", (), ())
    assert key != cache_key(sql + " ", "duckdb", (), ())
    assert key != cache_key(sql, "bigquery", (), ())
    assert key != cache_key(sql, "duckdb", (("leg_facts", "other"),), ())
    entry = tmp_path / "recon_assets/sql" / f"{key}.json"
    entry.parent.mkdir(parents=True)
    entry.write_text('{"not": "statements"', encoding="utf-8")
    uncached = statements.__wrapped__
    assert uncached("reconciliation/broken_legs") == transpiled(sql, "duckdb", (), ())
    assert json.loads(entry.read_text(encoding="utf-8")) == list(transpiled(sql, "duckdb", (), ()))


def test_the_sql_cache_is_kept_under_an_absolute_folder_only(tmp_path, monkeypatch):
    # Relative folders below would be made where the command runs: here, tmp_path.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert sql_cache_dir() == tmp_path / "recon_assets/sql"
    # A relative XDG_CACHE_HOME is ignored (the XDG specification), for the home's .cache.
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert sql_cache_dir() == tmp_path / "home/.cache/recon_assets/sql"
    # No absolute home either: nothing is kept, and statements are transpiled as they are.
    monkeypatch.setenv("HOME", "nowhere")
    assert sql_cache_dir() is None
    sql = load_sql("reconciliation/broken_legs")
    assert statements.__wrapped__("reconciliation/broken_legs") == transpiled(sql, "duckdb", (), ())
    assert not (tmp_path / "relative").exists() and not (tmp_path / "nowhere").exists()
