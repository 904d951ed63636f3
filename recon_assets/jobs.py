"""The nightly job and its schedule: yesterday's business date, at 02:00 local time."""

from __future__ import annotations

import dagster as dg

from recon_assets.partitions import daily_partitions
from recon_assets.reporting.sensors import report_deadline_checks

nightly_reconciliation = dg.define_asset_job(
    "nightly_reconciliation",
    # The 07:00 deadline check reads the wall clock: its sensor runs it, never a night's run.
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*report_deadline_checks),
    partitions_def=daily_partitions,
    description="Loads, matches, classifies and reports one business date.",
)

# A daily partition closes at midnight local time; the schedule fires two hours later.
nightly_schedule = dg.build_schedule_from_partitioned_job(
    nightly_reconciliation, hour_of_day=2, minute_of_hour=0
)
