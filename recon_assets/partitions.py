"""One daily partitioning shared by every asset: a partition is a business date."""

from __future__ import annotations

import dagster as dg

from recon_assets.settings import Settings


def build_daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=settings.start_date, timezone=settings.timezone)


daily_partitions = build_daily_partitions(Settings.from_env())
