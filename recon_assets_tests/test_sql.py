"""Every query of sql/ is written once and transpiles to BigQuery SQL that parses."""

from __future__ import annotations

import pytest
import sqlglot

from recon_assets.sql import sql_files, statements


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
