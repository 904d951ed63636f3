"""The nightly job and its schedule: yesterday's business date, at 02:00 local time."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB = "nightly_reconciliation"


def build_nightly_job(partitions_def: dg.PartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        NIGHTLY_JOB,
        selection=dg.AssetSelection.all(),
        partitions_def=partitions_def,
        description="Loads every system's files for the night, matches them, classifies the "
        "breaks and reports them.",
    )


def build_nightly_schedule(
    job: dg.UnresolvedAssetJobDefinition, running: bool
) -> dg.ScheduleDefinition:
    # A daily partition closes at midnight local time; the schedule fires two hours later.
    return dg.build_schedule_from_partitioned_job(
        job,
        hour_of_day=2,
        minute_of_hour=0,
        description="Reconciles yesterday's business date at 02:00 local time, every night.",
        default_status=(
            dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
        ),
    )
