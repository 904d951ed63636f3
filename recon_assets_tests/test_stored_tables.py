"""Every table the product stores is in the graph (an asset, so the UI's lineage shows where
it comes from) or named in README's list of internal tables with the reason."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from recon_assets.definitions import build_assets
from recon_assets.generator import generate
from recon_assets.resources import build_resources

START = date(2026, 5, 4)  # the settings fixture's RECON_START_DATE
README = Path(__file__).parents[1] / "README.md"


def internal_tables() -> set[str]:
    """The first column of the table under README's "Tables that are not assets"."""
    section = README.read_text(encoding="utf-8").split("\n### Tables that are not assets\n")[1]
    section = section.split("\n#")[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))


def test_every_stored_table_is_an_asset_or_a_documented_internal_table(settings):
    breaks = {"not_captured": 1, "ledger_not_posted": 1, "not_shipped": 1}
    generate(settings.landing_dir, START, 2, 5, seed=3, breaks=breaks)
    assets = build_assets(settings)
    instance = dg.DagsterInstance.ephemeral()
    for night in ("2026-05-04", "2026-05-05"):
        result = dg.materialize(
            assets, partition_key=night, resources=build_resources(settings), instance=instance
        )
        assert result.success
    keys = {key.to_user_string() for a in assets for key in a.keys}
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    stored = {
        (schema, table)
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
        ).fetchall()
    }
    written = {
        table
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND estimated_size > 0"
        ).fetchall()
    }
    # Each audit-trail asset says, per night, how many rows the night stored in its table.
    trail = ("leg_facts", "fact_records", "entity_records", "break_resolutions")
    for table in trail:
        for night in ("2026-05-04", "2026-05-05"):
            (stored_rows,) = con.execute(
                f"SELECT COUNT(*) FROM {table} WHERE recon_date = ?", [night]
            ).fetchone()
            [event] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(table), asset_partitions=[night]),
                limit=1,
            ).records
            metadata = event.asset_materialization.metadata
            assert metadata["dagster/row_count"].value == stored_rows, (table, night)
    con.close()
    internal = internal_tables()
    # A run's staging schema is gone once it has published its nights.
    assert {schema for schema, _ in stored} == {"main"}
    tables = {table for _, table in stored}
    assert tables - keys - internal == set(), "neither an asset nor in README's internal list"
    assert internal & keys == set(), "in README's internal list but also an asset"
    assert internal <= tables, "in README's internal list but never stored"
    # The audit trail is written, not merely created.
    assert {"leg_facts", "fact_records", "entity_records", "classified_variances_history"} <= (
        written
    )
