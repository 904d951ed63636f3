"""The queries of `sql/` (package data through the `recon_assets/sql` link), each written
once in DuckDB's dialect and transpiled by sqlglot.

Parameters are bound (`$name` in the files), never formatted into the SQL text. The BigQuery
warehouse sends each statement through `warehouse_bigquery.transpile`, which adds the
rewrites plain transpiling lacks; `statements(name, "bigquery")` is the plain sqlglot view.
A template names its tables and columns generically and `statements(..., tables=...,
columns=...)` renames them on the parsed tree.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from recon_assets.settings import PACKAGE_ROOT
from recon_assets.sql_unions import expand_unions

if TYPE_CHECKING:
    from sqlglot import exp

SQL_DIR = (PACKAGE_ROOT / "sql").resolve()
SOURCE_DIALECT = "duckdb"


@cache
def load_sql(name: str) -> str:
    """`name` is a path under sql/ without the suffix, e.g. `ddl/sources`; its per-source
    and per-leg unions are built from the catalogues (`sql_unions.py`), once per process."""
    return expand_unions((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), SQL_DIR)


def sql_files() -> list[str]:
    return sorted(str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.rglob("*.sql"))


def ddl_files() -> list[str]:
    """The files of `sql/ddl/`: every stored table's CREATE, as each warehouse makes it."""
    return [name for name in sql_files() if name.startswith("ddl/")]


@cache
def statements(
    name: str,
    dialect: str = SOURCE_DIALECT,
    tables: tuple[tuple[str, str], ...] = (),
    columns: tuple[tuple[str, str], ...] = (),
) -> tuple[str, ...]:
    """The file's statements in `dialect`, one string each, with templated names replaced."""
    # Imported when a file is first parsed: what reads a file as stored (`Session.rows`, the
    # trace) never loads sqlglot.
    import sqlglot
    from sqlglot import exp

    renamed_columns = dict(columns)

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in renamed_columns:
            node.set("this", exp.to_identifier(renamed_columns[node.name]))
        return node

    parsed = sqlglot.parse(load_sql(name), read=SOURCE_DIALECT)
    out = []
    for tree in parsed:
        if tree is None:
            continue
        if tables:
            tree = exp.replace_tables(tree, dict(tables))
        if columns:
            tree = tree.transform(rename)
        out.append(tree.sql(dialect=dialect))
    return tuple(out)
