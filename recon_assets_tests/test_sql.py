"""Every query of sql/ is written once and transpiles to BigQuery SQL that parses."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from recon_assets.sql import sql_files, statements
from recon_assets.warehouse import DuckDBWarehouse


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
