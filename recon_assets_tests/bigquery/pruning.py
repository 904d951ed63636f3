"""Which partitioned tables a BigQuery statement reads without a constant partition filter.

BigQuery prunes partitions only for a filter that compares the partition column with a
constant expression (a literal or a query parameter); a join or a subquery prunes nothing.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from recon_assets.warehouse_bigquery import partition_column, table_columns

COMPARISONS = (exp.EQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Between)


def _constant(node: exp.Expression) -> bool:
    return not any(node.find_all(exp.Column, exp.Subquery, exp.Select))


def _filters(
    scope: exp.Expression, predicate: exp.Expression, reference: str, column: str, alone: bool
) -> bool:
    for comparison in predicate.find_all(*COMPARISONS):
        if comparison.find_ancestor(exp.Select, exp.Delete) is not scope:
            continue  # a subquery's filter narrows the subquery's scan, not this one
        if comparison.find_ancestor(exp.Or, exp.Not):
            continue  # only a conjunct narrows every row of the scan
        sides = [comparison.this, *comparison.expressions, comparison.args.get("expression")]
        sides += [comparison.args.get("low"), comparison.args.get("high")]
        sides = [s for s in sides if s is not None]
        for side in sides:
            if (
                isinstance(side, exp.Column)
                and side.name == column
                and (side.table == reference or (not side.table and alone))
                and all(_constant(other) for other in sides if other is not side)
            ):
                return True
    return False


def unpruned_scans(sql: str) -> list[str]:
    """Names of the partitioned tables `sql` (BigQuery) scans with no partition filter."""
    out = []
    for tree in sqlglot.parse(sql, read="bigquery"):
        for table in tree.find_all(exp.Table):
            if table.name not in table_columns() or isinstance(
                table.parent, exp.Schema | exp.Insert | exp.Create
            ):
                continue  # not a partitioned table, or the target of a write
            scope = table.find_ancestor(exp.Select, exp.Delete)
            if scope is None:
                continue
            joins = scope.args.get("joins") or []
            predicates = [scope.args.get("where"), *(j.args.get("on") for j in joins)]
            column = partition_column(table.name)
            reference = table.alias_or_name
            if not any(
                p is not None and _filters(scope, p, reference, column, not joins)
                for p in predicates
            ):
                out.append(table.name)
    return out
