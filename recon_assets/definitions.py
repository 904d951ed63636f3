"""The recon_assets code location: assets, checks, job, schedule, sensors and resources, all
built from one Settings value (partitions start at its first night, in its time zone)."""

from __future__ import annotations

import warnings

import dagster as dg

from recon_assets.extracts.assets import api_feeds, build_extract_assets, source_deps
from recon_assets.jobs import (
    build_extracts_job,
    build_extracts_schedule,
    build_nightly_job,
    build_nightly_schedule,
)
from recon_assets.partitions import build_daily_partitions
from recon_assets.reconciliation.assets import build_classified_variances, build_matched_ledger
from recon_assets.reporting.assets import build_reporting_assets
from recon_assets.reporting.sensors import build_reporting_sensors
from recon_assets.resources import build_resources, configured_feeds
from recon_assets.rules import load_rules
from recon_assets.settings import Settings
from recon_assets.sources.assets import build_source_assets


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """Every asset, partitioned from the settings' first night, owned per rules/owners.yaml."""
    partitions = build_daily_partitions(settings)
    kind = settings.warehouse
    feeds = configured_feeds(settings)
    # Partitioned checks and single-run backfills are preview/beta in 1.13 but are what the
    # UI needs (checks per night, one run per backfill); their warnings would fill every log.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = [
            *build_extract_assets(feeds, partitions),
            *build_source_assets(partitions, kind, source_deps(feeds)),
            build_matched_ledger(partitions, kind),
            build_classified_variances(partitions, kind),
            *build_reporting_assets(partitions, kind),
        ]
    owners = load_rules(settings.rules_dir).owners
    return [
        asset.map_asset_specs(
            lambda spec: spec.replace_attributes(
                owners=[f"team:{owners.of_asset(spec.key.to_user_string())}"]
            )
        )
        for asset in assets
    ]


def build_definitions(settings: Settings, *, allow_empty: bool = False) -> dg.Definitions:
    """The code location; `allow_empty` lets a run replace stored nights with empty ones
    (`recon run --allow-empty`), never the default."""
    assets = build_assets(settings)
    partitions = build_daily_partitions(settings)
    job = build_nightly_job(partitions)
    jobs, schedules = [job], [build_nightly_schedule(job, settings.schedule_running)]
    if api_feeds(configured_feeds(settings)):
        extracts = build_extracts_job(partitions)
        jobs.append(extracts)
        schedules.append(build_extracts_schedule(extracts, settings.schedule_running))
    return dg.Definitions(
        assets=assets,
        jobs=jobs,
        schedules=schedules,
        sensors=build_reporting_sensors(settings.timezone, partitions.start.date()),
        resources=build_resources(settings, allow_empty=allow_empty),
        # One writer at a time: the embedded DuckDB file takes a single writing process.
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
