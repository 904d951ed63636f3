"""The queries of `sql/`, each written once in DuckDB's dialect and transpiled by sqlglot.

Parameters are bound (`$name` in the files, `@name` once transpiled to BigQuery), never
formatted into the SQL text.
"""

from __future__ import annotations

from functools import cache

import sqlglot

from recon_assets.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
SOURCE_DIALECT = "duckdb"


@cache
def load_sql(name: str) -> str:
    """`name` is a path under sql/ without the suffix, e.g. `ddl/sources`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_files() -> list[str]:
    return sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql"))


@cache
def statements(name: str, dialect: str = SOURCE_DIALECT) -> tuple[str, ...]:
    """The file's statements in `dialect`, one string each."""
    parsed = sqlglot.parse(load_sql(name), read=SOURCE_DIALECT)
    return tuple(tree.sql(dialect=dialect) for tree in parsed if tree is not None)
