"""The queries of `sql/` (package data through the `recon_assets/sql` link), each written
once in DuckDB's dialect and transpiled by sqlglot.

Parameters are bound (`$name` in the files), never formatted into the SQL text. The BigQuery
warehouse sends each statement through `warehouse_bigquery.transpile`, which adds the
rewrites plain transpiling lacks; `statements(name, "bigquery")` is the plain sqlglot view.
A template names its tables and columns generically and `statements(..., tables=...,
columns=...)` renames them on the parsed tree.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING

from recon_assets.settings import PACKAGE_ROOT, sql_cache_dir
from recon_assets.sql_unions import expand_unions

if TYPE_CHECKING:
    from sqlglot import exp

SQL_DIR = (PACKAGE_ROOT / "sql").resolve()
SOURCE_DIALECT = "duckdb"
# A template's names: (generic name in the file, name it is run with), in order.
Templated = tuple[tuple[str, str], ...]


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
def _sqlglot_version() -> str:
    return version("sqlglot")


def cache_key(sql: str, dialect: str, tables: Templated, columns: Templated) -> str:
    """The same SQL text, dialect, names and sqlglot give the same statements."""
    payload = json.dumps([_sqlglot_version(), sql, dialect, tables, columns])
    return hashlib.sha256(payload.encode()).hexdigest()


@cache
def statements(
    name: str,
    dialect: str = SOURCE_DIALECT,
    tables: Templated = (),
    columns: Templated = (),
) -> tuple[str, ...]:
    """The file's statements in `dialect`, one string each, with templated names replaced;
    as kept in `sql_cache_dir()` when this text was transpiled before: importing sqlglot and
    parsing a night's SQL with it was a tenth of a small night's run, every night."""
    sql = load_sql(name)
    folder = sql_cache_dir()
    if folder is None:
        return transpiled(sql, dialect, tables, columns)
    path = folder / f"{cache_key(sql, dialect, tables, columns)}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(kept, list) and all(isinstance(s, str) for s in kept):
            return tuple(kept)
    except (OSError, ValueError):
        pass
    out = transpiled(sql, dialect, tables, columns)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = path.with_suffix(f".{os.getpid()}.tmp")
        written.write_text(json.dumps(out), encoding="utf-8")
        written.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs the parse again
    return out


def transpiled(sql: str, dialect: str, tables: Templated, columns: Templated) -> tuple[str, ...]:
    """`sql`'s statements parsed by sqlglot and written in `dialect`, names replaced."""
    # Imported when a file is first parsed: what reads a file as stored (`Session.rows`, the
    # trace) or finds it in the cache never loads sqlglot.
    import sqlglot
    from sqlglot import exp

    renamed_columns = dict(columns)

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in renamed_columns:
            node.set("this", exp.to_identifier(renamed_columns[node.name]))
        return node

    out = []
    for tree in sqlglot.parse(sql, read=SOURCE_DIALECT):
        if tree is None:
            continue
        if tables:
            tree = exp.replace_tables(tree, dict(tables))
        if columns:
            tree = tree.transform(rename)
        out.append(tree.sql(dialect=dialect))
    return tuple(out)
