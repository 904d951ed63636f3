"""Runs the matching SQL of `sql/reconciliation/` for one night inside the warehouse.

The night reads the source records of its lookback window plus the records of the legs left
open by the last reconciled night, so its cost follows the night's records and open items,
not the whole history. Everything is stored by recon_date, replacing any earlier run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta

import pandas as pd

from recon_assets.legs import LEGS, MISSING_ORDER_KEY
from recon_assets.rules import Rules
from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import statements
from recon_assets.warehouse import Session

# The order the matching SQL runs in; each step reads the temporary tables of the last. The
# legs read tonight's records and the window's records that share a key with them; the
# entities tonight's matched_ledger shows then read the rest of their records
# (entity_members), and what each record is (record_roles) is worked out again over the
# larger universe.
LEG_STEPS = (
    "reconciliation/record_roles",
    "reconciliation/unknown_codes",
    "reconciliation/leg_inputs",
    "reconciliation/leg_facts",
    "reconciliation/records",
)
WIDER_UNIVERSE_STEPS = ("reconciliation/record_roles", "reconciliation/records")
MATCHING_STEPS = (
    *LEG_STEPS,
    "reconciliation/entity_members",
    "reconciliation/entity_totals",
    "reconciliation/matched_ledger",
)
# Tonight's temporary tables and the tables they are kept in.
KEPT_TABLES = {
    "tonight_facts": "leg_facts",
    "kept_fact_records": "fact_records",
    "tonight_entity_records": "entity_records",
    "tonight_matched_ledger": "matched_ledger",
}


def leg_parts_frame(rules: Rules) -> pd.DataFrame:
    """The leg catalogue with tonight's SLAs, tolerances and scope, as the SQL joins it.

    `leg` and `leg_part` number the legs and their parts: the night's millions of leg inputs
    carry these one-byte integers rather than the names (less memory, faster to group; a
    warehouse with one integer type, BigQuery, loads them as INT64)."""
    rows = []
    for leg_number, leg in enumerate(LEGS, start=1):
        tolerance = rules.tolerances.of(leg.check)
        for part in leg.parts:
            rows.append(
                {
                    "leg": leg_number,
                    "leg_part": len(rows) + 1,
                    "check_name": leg.check,
                    **asdict(part),
                    "sla_days": rules.timing.sla(leg.check),
                    "tolerance_minor": tolerance.absolute_minor,
                    "tolerance_bp": tolerance.relative_bp,
                    "reconciled_from": rules.scope.part_reconciled_from(leg.check, part.part),
                }
            )
    return pd.DataFrame(rows).astype({"leg": "int8", "leg_part": "int8"})


def execute_file(session: Session, name: str, params: dict[str, object]) -> None:
    for statement in statements(name):
        session.execute(statement, params)


def query_file(session: Session, name: str, params: dict[str, object]) -> pd.DataFrame:
    """Runs a file that ends in a SELECT and returns what that SELECT finds."""
    *steps, last = statements(name)
    for statement in steps:
        session.execute(statement, params)
    return session.query(last, params)


def per_source(name: str, params: dict[str, object]) -> Iterator[tuple[str, dict[str, object]]]:
    """A per-source template (`source_table`, `universe_source`, `record_key`) for each
    source, with the parameters to run it with."""
    for spec in SOURCES:
        (statement,) = statements(
            name,
            tables=(("source_table", spec.name), ("universe_source", f"u_{spec.name}")),
            columns=(("record_key", spec.key),),
        )
        yield statement, {**params, "source_name": spec.name}


def previous_night(session: Session, recon_date: date) -> date | None:
    """The last night reconciled before this one (usually yesterday)."""
    found = query_file(session, "reconciliation/previous_night", {"recon_date": recon_date})[
        "d"
    ].iloc[0]
    return None if pd.isna(found) else pd.Timestamp(found).date()


def run_matching(session: Session, rules: Rules, recon_date: date) -> dict[str, object]:
    """Match one night and keep its results; returns the parameters it ran with."""
    roles = rules.accounts.roles
    prev = previous_night(session, recon_date)
    params = {
        "recon_date": recon_date,
        "prev_date": prev or date.min,
        "window_start": recon_date - timedelta(days=rules.timing.lookback_days),
        "sales_account": roles.sales,
        "refunds_account": roles.refunds,
        "bank_account": roles.bank,
        "fees_account": roles.processor_fees,
        "missing_order_key": f"{MISSING_ORDER_KEY}:%",
    }
    session.load("leg_parts", leg_parts_frame(rules))
    session.load(
        "sla_overrides",
        pd.DataFrame(
            rules.timing.override_rows(), columns=["check_name", "sla_code", "sla_days"]
        ).astype({"check_name": "object", "sla_code": "object", "sla_days": "int64"}),
    )
    session.load("chart_accounts", pd.DataFrame({"account": sorted(rules.accounts.chart)}))
    levels = rules.mappings.levels()
    session.load(
        "key_mappings",
        pd.DataFrame({"system": list(levels), "level": list(levels.values())}).astype(
            {"system": "object", "level": "int64"}
        ),
    )
    lists = {"store": rules.mappings.stores, "processor": rules.mappings.processors}
    listed = {kind: codes for kind, codes in lists.items() if codes is not None}
    session.load("listed_code_kinds", pd.DataFrame({"kind": list(listed)}, dtype="object"))
    session.load(
        "allowed_codes",
        pd.DataFrame(
            [(kind, code) for kind, codes in listed.items() for code in codes],
            columns=["kind", "code"],
            dtype="object",
        ),
    )
    read_from = query_file(session, "reconciliation/carried", params)["read_from"].iloc[0]
    params["read_from"] = pd.Timestamp(read_from).date()
    params["normalised_keys"] = bool(levels)
    params["has_history"] = any(
        bool(session.query(sql, p)["found"].iloc[0])
        for sql, p in per_source("reconciliation/stored_before", params)
    )
    execute_file(session, "reconciliation/window_keys", params)
    for sql, p in per_source("reconciliation/universe", params):
        session.execute(sql, p)
    for step in LEG_STEPS:
        execute_file(session, step, params)
    if query_file(session, "reconciliation/entity_members", params)["added"].iloc[0]:
        for sql, p in per_source("reconciliation/universe_members", params):
            session.execute(sql, p)
        for step in WIDER_UNIVERSE_STEPS:
            execute_file(session, step, params)
    execute_file(session, "reconciliation/entity_totals", params)
    for sql, p in per_source("reconciliation/drop_universe", params):
        session.execute(sql, p)
    execute_file(session, "reconciliation/matched_ledger", params)
    for temporary, kept in KEPT_TABLES.items():
        (night_rows,) = statements(
            "reconciliation/keep_night", tables=(("working_table", temporary),)
        )
        session.replace_partition_from(kept, {"recon_date": recon_date}, night_rows, params)
    return params
