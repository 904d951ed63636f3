"""One catalogue per concept: the sources (sources/systems.py with the pandera models of
sources/schemas.py) and the legs (legs.py). What the SQL spells out by hand is checked against
them here, and the unions are built from them, so a source or leg added to a catalogue but
forgotten somewhere fails."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlglot
from sqlglot import exp

from recon_assets.legs import LEGS, PART_NOUNS, PART_SOURCES
from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.systems import SOURCE_NAMES
from recon_assets.sql import SQL_DIR, load_sql, sql_files
from recon_assets.sql_unions import MissingPiece, expand_unions, pieces, union_folders

# The DuckDB type of each pandera dtype a source column may have (sqlglot reads DuckDB's
# VARCHAR as its synonym TEXT).
DDL_TYPES = {"string[pyarrow]": "TEXT", "int64": "BIGINT"}
# Every source table starts with the date of the file its row arrived in.
BUSINESS_DATE = ("business_date", "DATE", True)


def raw_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def table_columns(ddl: str) -> dict[str, list[tuple[str, str, bool]]]:
    """{table: [(column, type, not null)]} of every CREATE TABLE in `ddl`."""
    tables = {}
    for tree in sqlglot.parse(ddl, read="duckdb"):
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            tables[tree.this.this.name] = [
                (
                    column.name,
                    column.args["kind"].this.value,
                    any(
                        isinstance(c.kind, exp.NotNullColumnConstraint) for c in column.constraints
                    ),
                )
                for column in tree.this.expressions
                if isinstance(column, exp.ColumnDef)
            ]
    return tables


def ddl_drift(ddl: str) -> list[str]:
    """How the source tables of `ddl` differ from the pandera models, one line per source."""
    tables = table_columns(ddl)
    drift = []
    for spec in SOURCES:
        expected = [BUSINESS_DATE] + [
            (name, DDL_TYPES.get(str(column.dtype), str(column.dtype)), not column.nullable)
            for name, column in spec.schema.columns.items()
        ]
        if tables.get(spec.name) != expected:
            drift.append(f"{spec.name}: DDL {tables.get(spec.name)} != model {expected}")
    return drift


def test_the_source_ddl_matches_the_pandera_models():
    assert ddl_drift(load_sql("ddl/sources")) == []
    source_tables = set(table_columns(load_sql("ddl/sources"))) - {"source_deliveries"}
    assert source_tables == set(SOURCE_NAMES)


@pytest.mark.parametrize(
    ("old", "new", "source"),
    [
        # a column made optional in the DDL only
        ("order_ref VARCHAR NOT NULL,\n    shipped_ts", "order_ref VARCHAR,\n    shipped_ts",
         "shipments"),
        # two columns swapped
        ("channel VARCHAR NOT NULL,\n    created_ts VARCHAR NOT NULL",
         "created_ts VARCHAR NOT NULL,\n    channel VARCHAR NOT NULL", "oms_orders"),
        # money as text
        ("net_minor BIGINT NOT NULL", "net_minor VARCHAR NOT NULL", "processor_settlements"),
        # an optional column made mandatory
        ("memo VARCHAR\n", "memo VARCHAR NOT NULL\n", "ledger_entries"),
    ],
)  # fmt: skip
def test_the_ddl_check_catches_each_kind_of_drift(old, new, source):
    ddl = load_sql("ddl/sources")
    assert ddl.count(old) == 1
    drift = ddl_drift(ddl.replace(old, new))
    assert [line.split(":")[0] for line in drift] == [source]


def per_kind_unions(kind: str) -> dict[str, list[str]]:
    """{query: [folders of its per-`kind` unions]} over every file of sql/."""
    found = {}
    for name in sql_files():
        folders = [folder for k, folder in union_folders(raw_sql(name)) if k == kind]
        if folders:
            found[name] = folders
    return found


def string_literals(tree: exp.Expression) -> set[str]:
    return {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}


def sql_literals(sql: str) -> set[str]:
    """The string literals of every statement of `sql`."""
    return {
        lit for tree in sqlglot.parse(sql, read="duckdb") if tree for lit in string_literals(tree)
    }


def piece_drift(kind: str, names: tuple[str, ...], sql_dir=SQL_DIR) -> list[str]:
    """Each union folder's pieces that the catalogue `names` lacks, or lacks a piece for."""
    drift = []
    for folders in per_kind_unions(kind).values():
        for folder in folders:
            found = {p.stem for p in pieces(sql_dir, folder)}
            drift += [f"sql/{folder}/{n}.sql is missing" for n in sorted(set(names) - found)]
            drift += [
                f"sql/{folder}/{n}.sql is not in the catalogue" for n in sorted(found - set(names))
            ]
    return drift


def test_every_per_source_union_is_built_from_the_catalogue():
    unions = per_kind_unions("source")
    assert set(unions) == {
        "audit/trace_records",
        "checks/conservation",
        "reconciliation/evidence",
        "reconciliation/records",
        "reconciliation/window_keys",
    }
    assert piece_drift("source", SOURCE_NAMES) == []
    for name in unions:
        assert set(SOURCE_NAMES) <= sql_literals(load_sql(name)), name


def test_no_query_lists_the_sources_by_hand():
    """A union written out by hand would miss the next source: more than half the catalogue
    named in one query, outside the per-source pieces, is one."""
    pieces = {folder for folders in per_kind_unions("source").values() for folder in folders}
    for name in sql_files():
        if name.rsplit("/", 1)[0] in pieces:
            continue
        named = set(re.findall(r"'(\w+)'", raw_sql(name))) & set(SOURCE_NAMES)
        assert len(named) <= len(SOURCE_NAMES) // 2, (name, sorted(named))


def test_a_source_added_to_the_catalogue_reaches_every_union(tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    unions = per_kind_unions("source")
    added = (*SOURCE_NAMES, "returns_portal")

    # without its pieces, the check names every file it lacks
    folders = sorted({f for found in unions.values() for f in found})
    assert piece_drift("source", added, sql_dir) == [
        f"sql/{folder}/returns_portal.sql is missing" for folder in folders
    ]

    # with them, every union reads it
    for folder in folders:
        shipments = (sql_dir / folder / "shipments.sql").read_text(encoding="utf-8")
        piece = shipments.replace("shipments", "returns_portal")
        (sql_dir / folder / "returns_portal.sql").write_text(piece, encoding="utf-8")
    assert piece_drift("source", added, sql_dir) == []
    for name in unions:
        expanded = expand_unions(raw_sql(name), sql_dir)
        assert "returns_portal" in sql_literals(expanded), name
        tables = {
            t.name for tree in sqlglot.parse(expanded) if tree for t in tree.find_all(exp.Table)
        }
        assert tables & {"returns_portal", "u_returns_portal"}, name


def test_a_union_without_pieces_stops_its_query(tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    shutil.rmtree(sql_dir / "reconciliation" / "leg_inputs")
    with pytest.raises(MissingPiece, match=re.escape("sql/reconciliation/leg_inputs/")):
        expand_unions(raw_sql("reconciliation/leg_inputs"), sql_dir)


def union_branches(tree: exp.Expression) -> list[exp.Select]:
    if isinstance(tree, exp.Union):
        return union_branches(tree.this) + union_branches(tree.expression)
    return [tree]


def catalogue_parts(check: str) -> set[tuple[str, str]]:
    leg = next(leg for leg in LEGS if leg.check == check)
    return {(part.part, side) for part in leg.parts for side in ("a", "b")}


def test_every_leg_piece_feeds_both_sides_of_each_of_its_parts_and_no_other():
    (folder,) = per_kind_unions("leg")["reconciliation/leg_inputs"]
    assert {p.stem for p in (SQL_DIR / folder).glob("*.sql")} == {leg.check for leg in LEGS}
    for leg in LEGS:
        fed = set()
        for branch in union_branches(sqlglot.parse_one(raw_sql(f"{folder}/{leg.check}"))):
            check, part, side = branch.expressions[:3]
            assert check.unalias().this == leg.check
            fed |= {(p, side.unalias().this) for p in string_literals(part)}
        assert fed == catalogue_parts(leg.check), leg.check


def test_a_leg_added_to_the_catalogue_without_its_piece_is_named():
    legs = tuple(leg.check for leg in LEGS)
    assert piece_drift("leg", legs) == []
    assert piece_drift("leg", (*legs, "return_vs_refund")) == [
        "sql/reconciliation/leg_inputs/return_vs_refund.sql is missing"
    ]


def test_matched_ledger_has_one_status_column_per_leg_in_catalogue_order():
    statuses = [f"status_{leg.check}" for leg in LEGS]
    ddl = table_columns(load_sql("ddl/reconciliation"))["matched_ledger"]
    assert [name for name, _, _ in ddl if name.startswith("status_")] == statuses
    trees = [
        t for t in sqlglot.parse(load_sql("reconciliation/matched_ledger"), read="duckdb") if t
    ]
    selects = [s for tree in trees for s in tree.find_all(exp.Select)]

    def aliased(prefix: str) -> dict[str, exp.Expression]:
        select = next(s for s in selects if any(e.alias.startswith(prefix) for e in s.expressions))
        return {e.alias: e for e in select.expressions if e.alias.startswith(prefix)}

    # Each leg's worst rank is pivoted from its own check, and its status named from that rank.
    ranks, named = aliased("rank_"), aliased("status_")
    assert list(named) == statuses
    for leg in LEGS:
        assert leg.check in string_literals(ranks[f"rank_{leg.check}"])
        read = {c.name for c in named[f"status_{leg.check}"].find_all(exp.Column)}
        assert read - {"status", "status_rank"} == {f"rank_{leg.check}"}


def test_every_leg_part_has_its_sources_and_its_nouns():
    parts = {(leg.check, part.part) for leg in LEGS for part in leg.parts}
    assert set(PART_SOURCES) == parts
    assert set(PART_NOUNS) == parts
    for groups in PART_SOURCES.values():
        assert {source for group in groups for source in group} <= set(SOURCE_NAMES)


def test_the_history_keeps_every_column_of_classified_variances():
    """The history is spelled out for BigQuery's partitioning: a column added to
    classified_variances but not to it would be lost from every run's record."""
    tables = table_columns(load_sql("ddl/reconciliation"))
    run = [("run_id", "TEXT", True), ("recorded_at", "TIMESTAMPTZ", True)]
    assert tables["classified_variances_history"] == run + tables["classified_variances"]
