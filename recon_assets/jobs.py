"""The nightly job and its schedule: yesterday's business date, at 02:00 local time; with
feeds pulled from an API, the extracts job an hour before it."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB = "nightly_reconciliation"
EXTRACTS_JOB = "nightly_extracts"
EXTRACTS_GROUP = "extracts"


def build_nightly_job(partitions_def: dg.PartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    # The extracts run in their own job: a vendor whose API is down fails its extract, and
    # the night is still reconciled, saying that source did not deliver.
    return dg.define_asset_job(
        NIGHTLY_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.groups(EXTRACTS_GROUP),
        partitions_def=partitions_def,
        description="Loads every system's files for the night, matches them, classifies the "
        "breaks and reports them.",
    )


def build_nightly_schedule(
    job: dg.UnresolvedAssetJobDefinition, running: bool
) -> dg.ScheduleDefinition:
    # A daily partition closes at midnight local time; the schedule fires two hours later.
    return _daily(
        job, 2, "Reconciles yesterday's business date at 02:00 local time, every night.", running
    )


def build_extracts_job(partitions_def: dg.PartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        EXTRACTS_JOB,
        selection=dg.AssetSelection.groups(EXTRACTS_GROUP),
        partitions_def=partitions_def,
        description="Pulls the night's records from the vendors' APIs into the landing files.",
    )


def build_extracts_schedule(
    job: dg.UnresolvedAssetJobDefinition, running: bool
) -> dg.ScheduleDefinition:
    # An hour before the reconciliation, so a slow API or a bulk operation has time.
    return _daily(
        job,
        1,
        "Pulls yesterday's night from the vendors' APIs at 01:00 local time.",
        running,
    )


def _daily(
    job: dg.UnresolvedAssetJobDefinition, hour: int, description: str, running: bool
) -> dg.ScheduleDefinition:
    return dg.build_schedule_from_partitioned_job(
        job,
        hour_of_day=hour,
        minute_of_hour=0,
        description=description,
        default_status=(
            dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
        ),
    )
