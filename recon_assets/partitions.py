"""One daily partitioning shared by every asset (a partition is a business date), and the
way every asset works through the nights of a run.

A run covers one night (the schedule, `recon run`) or a range of nights (a backfill: one run,
`BackfillPolicy.single_run()`). Each asset step takes the nights of its range in date order,
one at a time, and records its metadata and check results per night. That keeps the order
of nights because each asset reads only its own earlier nights and tonight's upstream rows:
matched_ledger for D reads the sources up to D and matched_ledger of D-1; classified_variances
for D reads matched_ledger of D and classified_variances of D-1; the reports read their own
night. So matching a range and then classifying it gives what night after night gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.storage.event_log.base import AssetRecordsFilter

from recon_assets.settings import Settings

# A backfill of N nights is one run, not N runs of every step.
SINGLE_RUN = dg.BackfillPolicy.single_run()


def build_daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=settings.start_date, timezone=settings.timezone)


def partitions_range(partitions: dg.DailyPartitionsDefinition) -> str:
    """The nights a store can reconcile, as the command line says them."""
    first = partitions.get_first_partition_key()
    last = partitions.get_last_partition_key()
    if first is None:
        return (
            f"none yet, RECON_START_DATE ({partitions.start.date()}) is after the last complete "
            "day in RECON_TIMEZONE: set it to the first business date your landing files cover"
        )
    return f"{first} (RECON_START_DATE) to {last} (the last complete day in RECON_TIMEZONE)"


def _target(context: dg.AssetExecutionContext, asset_key: dg.AssetKey, night: str):
    """The night's materialization the check result vouches for (the UI links them)."""
    found = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=asset_key, asset_partitions=[night]), limit=1
    ).records
    if not found:
        return None
    record = found[0]
    return AssetCheckEvaluationTargetMaterializationData(
        run_id=record.event_log_entry.run_id,
        storage_id=record.storage_id,
        timestamp=record.timestamp,
    )


def each_night(
    context: dg.AssetExecutionContext,
    per_night: Callable[[str], list[dg.MaterializeResult]],
    finish: Callable[[list[dg.MaterializeResult]], None] = lambda results: None,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation | dg.Output]:
    """Runs `per_night` for every night of the run in date order; its metadata and check
    results are recorded against that night (Dagster would scope check results of a range
    run to no partition at all). `finish` runs once every night is done, before anything
    is recorded (a run's last writing step publishes its nights there). `per_night` returns
    a result per table the step writes (a multi-asset writes several, each result naming its
    asset), and every table it writes is materialised."""
    results = [(night, result) for night in context.partition_keys for result in per_night(night)]
    finish([result for _, result in results])
    for night, result in results:
        context.add_asset_metadata(
            dict(result.metadata or {}),
            asset_key=result.asset_key or context.asset_key,
            partition_key=night,
        )
    # The materializations first, so each check result links to its night's.
    for asset_key in sorted(context.selected_asset_keys):
        yield dg.MaterializeResult(asset_key=asset_key)
    selected = context.selected_asset_check_keys
    specs = {spec.name: spec for spec in context.assets_def.check_specs if spec.key in selected}
    for night, result in results:
        for check in result.check_results:
            if check.check_name not in specs:
                continue
            spec = specs[check.check_name]
            yield dg.AssetCheckEvaluation(
                asset_key=spec.asset_key,
                check_name=check.check_name,
                passed=check.passed,
                metadata=check.metadata,
                severity=check.severity,
                description=check.description,
                blocking=spec.blocking,
                partition=night,
                target_materialization_data=_target(context, spec.asset_key, night),
            )
    # Each check's step output, once: its results are the evaluations above.
    for output_name, spec in context.assets_def.check_specs_by_output_name.items():
        if spec.name in specs:
            yield dg.Output(None, output_name=output_name)
