"""The reconciliation group: matched_ledger (matching, in SQL) and classified_variances."""

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd

from recon_assets.breaks import rule_hits
from recon_assets.history import NightCalendar, previous_night_reconciled
from recon_assets.legs import CLASSES
from recon_assets.metadata import breaks_metadata
from recon_assets.partitions import SINGLE_RUN, each_night
from recon_assets.reconciliation.classify import classify_night
from recon_assets.reconciliation.digests import (
    NightDigest,
    compare,
    inputs_digest,
    rules_digest,
    store_digest,
    stored_digest,
    tables_digest,
)
from recon_assets.reconciliation.matching import KEPT_TABLES, run_matching
from recon_assets.rules import Rules
from recon_assets.rules_resource import RulesResource
from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import statements
from recon_assets.staging import for_run, publish_if_last
from recon_assets.warehouse import Session, Warehouse, run_sql

RECONCILIATION_GROUP = "reconciliation"

# Check names.
EVERY_RECORD_ACCOUNTED_FOR = "every_record_accounted_for"
REMATERIALISATION_IS_IDENTICAL = "rematerialisation_is_identical"
HISTORY_IS_COMPLETE = "history_is_complete"
BREAK_IDS_ARE_UNIQUE = "break_ids_are_unique"
EVERY_BREAK_HAS_OWNER_AND_CLASS = "every_break_has_owner_and_class"

PREVIOUS_NIGHT = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


def proven_identical(
    session: Session, asset: str, recon_date: date, now: NightDigest
) -> dg.AssetCheckResult:
    """Tonight's stored digest against the one stored before it, then kept for the next run."""
    passed, metadata = compare(stored_digest(session, recon_date, asset), now)
    store_digest(session, recon_date, asset, now)
    return dg.AssetCheckResult(
        check_name=REMATERIALISATION_IS_IDENTICAL, passed=passed, metadata=metadata
    )


def status_counts(session: Session, recon_date: date) -> dict[str, dict[str, int]]:
    facts = run_sql(session, "reconciliation/legs_by_outcome", {"d": recon_date})
    out: dict[str, dict[str, int]] = {}
    for row in facts.itertuples():
        out.setdefault(row.check_name, {})[row.outcome] = int(row.n)
    return out


def conservation_result(session: Session, recon_date: date) -> dg.AssetCheckResult:
    (query,) = statements("checks/conservation")
    table = session.query(query, {"recon_date": recon_date})
    unbalanced = table[
        (table["delivered_records"] != table["placed_records"])
        | (table["delivered_minor"] != table["placed_minor"])
        | (table["misplaced_records"] != 0)
    ]
    return dg.AssetCheckResult(
        check_name=EVERY_RECORD_ACCOUNTED_FOR,
        passed=unbalanced.empty,
        metadata={
            "records_delivered": int(table["delivered_records"].sum()),
            "records_placed": int(table["placed_records"].sum()),
            "by_source_and_currency": dg.MetadataValue.json(table.to_dict("records")),
            "unbalanced": dg.MetadataValue.json(unbalanced.to_dict("records")),
        },
    )


# The tables each step writes beside its main asset, the audit trail a trace reads.
MATCHING_AUDIT_TRAIL = {
    "leg_facts": "Each check of each key tonight: what was expected, what the counterpart "
    "showed, and whether it matched or broke.",
    "fact_records": "The source records behind each open break, and records filed under "
    "another spelling of their key.",
    "entity_records": "Which source records make up each order, store-day and payout shown "
    "tonight.",
}
CLASSIFYING_AUDIT_TRAIL = {
    "break_resolutions": "The breaks open the night before that are gone tonight, with their "
    "last class and first night.",
    "classified_variances_history": "Every run's breaks of each night, so what went out on a "
    "morning stays recoverable after a rerun.",
}


def reconciliation_tables(
    main: dg.AssetSpec, audit_trail: dict[str, str], deps: list[dg.AssetDep]
) -> list[dg.AssetSpec]:
    """A step's main asset and the audit-trail tables it writes from the same `deps`."""
    return [
        main,
        *(
            main.replace_attributes(key=name, description=description, deps=deps)
            for name, description in audit_trail.items()
        ),
    ]


def build_matched_ledger(
    partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> dg.AssetsDefinition:
    sources = [dg.AssetDep(spec.name) for spec in SOURCES]
    matched = dg.AssetSpec(
        "matched_ledger",
        description="Every order, store-day and payout touched tonight, with each system side "
        "by side.",
        group_name=RECONCILIATION_GROUP,
        kinds={warehouse_kind, "sql"},
        deps=[*sources, dg.AssetDep("matched_ledger", partition_mapping=PREVIOUS_NIGHT)],
        partitions_def=partitions_def,
    )

    @dg.multi_asset(
        name="matched_ledger",
        specs=reconciliation_tables(matched, MATCHING_AUDIT_TRAIL, sources),
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        check_specs=[
            dg.AssetCheckSpec(
                HISTORY_IS_COMPLETE,
                asset="matched_ledger",
                blocking=True,
                description="The night before was reconciled, or this is the retailer's first "
                "night.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                EVERY_RECORD_ACCOUNTED_FOR,
                asset="matched_ledger",
                blocking=True,
                description="Every record delivered tonight is in exactly one row; money adds up.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                REMATERIALISATION_IS_IDENTICAL,
                asset="matched_ledger",
                description="Matching the night again with the same inputs and rules stores the "
                "same digest.",
                partitions_def=partitions_def,
            ),
        ],
    )
    def matched_ledger(
        context: dg.AssetExecutionContext,
        warehouse: dg.ResourceParam[Warehouse],
        rules: RulesResource,
        calendar: dg.ResourceParam[NightCalendar],
    ):
        """Matches the night: matched_ledger and the audit trail behind it."""
        matched: set[date] = set()
        staged = for_run(warehouse, context)

        def night(key: str) -> list[dg.MaterializeResult]:
            results = match_night(
                context, staged, rules, calendar, date.fromisoformat(key), matched
            )
            history = [c for c in results[0].check_results if c.check_name == HISTORY_IS_COMPLETE]
            if all(c.passed for c in history):
                matched.add(date.fromisoformat(key))
            return results

        yield from each_night(
            context, night, finish=lambda results: publish_if_last(staged, context, results)
        )

    return matched_ledger


def match_night(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    rules: RulesResource,
    calendar: NightCalendar,
    recon_date: date,
    matched_in_run: set[date],
) -> list[dg.MaterializeResult]:
    """Matches one night: matched_ledger's result, then each audit-trail table's row count; a
    night before it matched earlier in this run counts as reconciled (it is classified in
    this run's next step, before anything reads it)."""
    loaded = rules.load()
    kept = list(KEPT_TABLES.values())
    with warehouse.session() as session:
        first_night = recon_date == calendar.first
        previous = recon_date - timedelta(days=1)
        if not (
            first_night
            or previous in matched_in_run
            or previous_night_reconciled(session, recon_date)
        ):
            # Matching without the night before would report its counterparts as missing:
            # nothing is matched or stored, and the blocking check stops the night here.
            missing = recon_date - timedelta(days=1)
            why = (
                f"{missing} was not reconciled, so {recon_date} cannot see its history: "
                f"reconcile {missing} first (`recon run --date {recon_date}` catches up), or "
                f"set RECON_START_DATE if {recon_date} is the first night (now "
                f"{calendar.first_night})."
            )
            context.log.error(why)
            # Dagster wants every check's result; the others fail closed: nothing was matched
            # that they could vouch for.
            not_evaluated = "Not evaluated: the night was not matched (its history is incomplete)."
            return [
                dg.MaterializeResult(
                    asset_key="matched_ledger",
                    metadata={"history": why},
                    check_results=[
                        dg.AssetCheckResult(
                            check_name=HISTORY_IS_COMPLETE,
                            passed=False,
                            description=why,
                            metadata={"missing_night": str(missing)},
                        ),
                        *(
                            dg.AssetCheckResult(
                                check_name=c, passed=False, description=not_evaluated
                            )
                            for c in (EVERY_RECORD_ACCOUNTED_FOR, REMATERIALISATION_IS_IDENTICAL)
                        ),
                    ],
                )
            ]
        with session.transaction():
            params = run_matching(session, loaded, recon_date)
            output, rows_kept = tables_digest(session, kept, recon_date)
            now = NightDigest(
                inputs_digest(session, recon_date, params["window_start"]),
                rules_digest(Path(rules.rules_dir)),
                output,
                sum(rows_kept.values()),
            )
            identical = proven_identical(session, "matched_ledger", recon_date, now)
        rows = run_sql(session, "reconciliation/rows_by_type", {"d": recon_date})
        conservation = conservation_result(session, recon_date)
        counts = status_counts(session, recon_date)
    main = dg.MaterializeResult(
        asset_key="matched_ledger",
        metadata={
            "dagster/row_count": int(rows["n"].sum()),
            "rows_by_type": dg.MetadataValue.json(
                {str(r.entity_type): int(r.n) for r in rows.itertuples()}
            ),
            "legs_by_outcome": dg.MetadataValue.json(counts),
            "previous_night": str(params["prev_date"]) if params["prev_date"] != date.min else "",
            "lookback_from": str(params["window_start"]),
            "output_digest": output,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=HISTORY_IS_COMPLETE,
                passed=True,
                metadata={
                    "first_night": first_night,
                    "previous_night": str(recon_date - timedelta(days=1)),
                },
            ),
            conservation,
            identical,
        ],
    )
    return [main, *audit_trail_rows({t: rows_kept[t] for t in MATCHING_AUDIT_TRAIL})]


def audit_trail_rows(rows: dict[str, int]) -> list[dg.MaterializeResult]:
    """Each audit-trail table's rows for the night, as its asset's metadata."""
    return [
        dg.MaterializeResult(asset_key=table, metadata={"dagster/row_count": n})
        for table, n in rows.items()
    ]


def night_evidence(session: Session, recon_date: date, limit: int) -> pd.DataFrame:
    """The evidence JSON of each of tonight's open (check_name, key), built in SQL: its first
    `limit` records and the count of the rest."""
    earliest = run_sql(session, "reconciliation/earliest_evidence", {"d": recon_date})["d"].iloc[0]
    if pd.isna(earliest):
        return pd.DataFrame(columns=["check_name", "key", "evidence"])
    (query,) = statements("reconciliation/evidence")
    params = {"recon_date": recon_date, "earliest": earliest, "evidence_records": limit}
    return session.query(query, params)


def record_history(session: Session, run_id: str, recon_date: date) -> None:
    """Append this run's breaks to the audit history (the only place a run id is kept)."""
    params = {"run_id": run_id, "d": recon_date}
    (run,) = statements("audit/classification_run")
    session.append_from("classification_runs", run, params)
    (breaks,) = statements("audit/history_run")
    session.append_from("classified_variances_history", breaks, params)


def classify_and_store(session: Session, rules: Rules, recon_date: date) -> pd.DataFrame:
    params = {"d": recon_date}
    facts = run_sql(session, "reconciliation/broken_legs", params)
    prev = run_sql(session, "reconciliation/previous_classified_night", params)["d"].iloc[0]
    previous = run_sql(
        session,
        "reconciliation/previous_breaks",
        {"prev": date.min if pd.isna(prev) else pd.Timestamp(prev).date()},
    )
    breaks, resolutions = classify_night(
        facts,
        night_evidence(session, recon_date, rules.timing.evidence_records),
        previous,
        rules,
        recon_date,
    )
    partition = {"recon_date": recon_date}
    session.replace_partition("classified_variances", partition, breaks)
    session.replace_partition("break_resolutions", partition, resolutions)
    return breaks


def build_classified_variances(
    partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> dg.AssetsDefinition:
    # Tonight's broken legs and the records behind them are what classification reads.
    legs = [dg.AssetDep("leg_facts"), dg.AssetDep("fact_records")]
    classified = dg.AssetSpec(
        "classified_variances",
        description="Every open break of the night: its class, suggested owner, age, money and "
        "evidence.",
        group_name=RECONCILIATION_GROUP,
        kinds={warehouse_kind},
        deps=[
            dg.AssetDep("matched_ledger"),
            *legs,
            dg.AssetDep("classified_variances", partition_mapping=PREVIOUS_NIGHT),
        ],
        partitions_def=partitions_def,
    )

    @dg.multi_asset(
        name="classified_variances",
        specs=reconciliation_tables(classified, CLASSIFYING_AUDIT_TRAIL, legs),
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        check_specs=[
            dg.AssetCheckSpec(
                BREAK_IDS_ARE_UNIQUE,
                asset="classified_variances",
                blocking=True,
                description="No break is listed twice: each has its own stable id.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                EVERY_BREAK_HAS_OWNER_AND_CLASS,
                asset="classified_variances",
                blocking=True,
                description="Every break has one of the four classes and someone to act on it.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                REMATERIALISATION_IS_IDENTICAL,
                asset="classified_variances",
                description="Classifying the night again with the same inputs and rules stores "
                "the same digest.",
                partitions_def=partitions_def,
            ),
        ],
    )
    def classified_variances(
        context: dg.AssetExecutionContext,
        warehouse: dg.ResourceParam[Warehouse],
        rules: RulesResource,
    ):
        """Classifies the night's breaks and keeps what each run reported."""
        staged = for_run(warehouse, context)
        yield from each_night(
            context,
            lambda key: classify_night_of(context, staged, rules, date.fromisoformat(key)),
            finish=lambda results: publish_if_last(staged, context, results),
        )

    return classified_variances


def classify_night_of(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    rules: RulesResource,
    recon_date: date,
) -> list[dg.MaterializeResult]:
    """Classifies one night's breaks and keeps them with this run's id: classified_variances'
    result, then the rows of the audit-trail tables it wrote."""
    loaded = rules.load()

    with warehouse.session() as session:
        with session.transaction():
            breaks = classify_and_store(session, loaded, recon_date)
            record_history(session, context.run_id, recon_date)
            output, rows_kept = tables_digest(session, ["classified_variances"], recon_date)
            window_start = recon_date - timedelta(days=loaded.timing.lookback_days)
            now = NightDigest(
                inputs_digest(session, recon_date, window_start, upstream="matched_ledger"),
                rules_digest(Path(rules.rules_dir)),
                output,
                sum(rows_kept.values()),
            )
            identical = proven_identical(session, "classified_variances", recon_date, now)
        resolved = run_sql(session, "reconciliation/resolved_count", {"d": recon_date})["n"].iloc[0]
        # Each rule's hits and last night, over the stored nights so far (UI metadata).
        rules_so_far = rule_hits(session, recon_date)
    new = int((breaks["first_seen"] == recon_date.isoformat()).sum())
    hits = breaks["accepted_rule"].dropna().value_counts().sort_index()
    main = dg.MaterializeResult(
        asset_key="classified_variances",
        metadata={
            "dagster/row_count": len(breaks),
            **breaks_metadata(breaks),
            "new_tonight": new,
            "carried_over": len(breaks) - new,
            "resolved_tonight": int(resolved),
            "accepted_rule_hits": dg.MetadataValue.json({k: int(v) for k, v in hits.items()}),
            "accepted_rules": dg.MetadataValue.json(rules_so_far),
            "output_digest": output,
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=BREAK_IDS_ARE_UNIQUE,
                passed=bool(breaks["break_id"].is_unique),
                metadata={"duplicates": int(breaks["break_id"].duplicated().sum())},
            ),
            dg.AssetCheckResult(
                check_name=EVERY_BREAK_HAS_OWNER_AND_CLASS,
                passed=bool(
                    breaks["owner"].fillna("").str.len().gt(0).all()
                    and breaks["class"].isin(CLASSES).all()
                ),
            ),
            identical,
        ],
    )
    # The history gains this run's copy of the night's breaks.
    trail = {"break_resolutions": int(resolved), "classified_variances_history": len(breaks)}
    return [main, *audit_trail_rows(trail)]
