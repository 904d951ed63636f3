"""The recon_assets code location: assets, checks, schedule and resources."""

from __future__ import annotations

import dagster as dg

from recon_assets.jobs import nightly_reconciliation, nightly_schedule
from recon_assets.reconciliation.assets import classified_variances, matched_ledger
from recon_assets.reporting.assets import reporting_assets
from recon_assets.reporting.sensors import report_deadline_checks, reporting_sensors
from recon_assets.resources import build_resources
from recon_assets.settings import Settings
from recon_assets.sources.assets import source_assets

all_assets: list[dg.AssetsDefinition] = [
    *source_assets,
    matched_ledger,
    classified_variances,
    *reporting_assets,
]
all_asset_checks: list[dg.AssetChecksDefinition] = []


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=all_assets,
        # The deadline check reads the wall clock, so it is evaluated by its sensor, never as
        # part of a night's run (the runner materialises all_assets + all_asset_checks).
        asset_checks=[*all_asset_checks, *report_deadline_checks],
        jobs=[nightly_reconciliation],
        schedules=[nightly_schedule],
        sensors=reporting_sensors,
        resources=build_resources(settings),
        # One writer at a time: the embedded DuckDB file takes a single writing process.
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
