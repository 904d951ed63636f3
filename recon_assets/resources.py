"""Resources chosen per environment, in one place."""

from __future__ import annotations

from typing import Any

from recon_assets.history import NightCalendar
from recon_assets.reconciliation.assets import rules_resource
from recon_assets.reporting.slack import slack_resource_from_env
from recon_assets.reporting.store import ReportFiles
from recon_assets.settings import Settings
from recon_assets.sources.resource import LandingSource
from recon_assets.warehouse import Warehouse
from recon_assets.warehouse_bigquery import BigQueryWarehouse
from recon_assets.warehouse_duckdb import DuckDBWarehouse


def build_warehouse(settings: Settings) -> Warehouse:
    """RECON_WAREHOUSE: the embedded DuckDB file, or a BigQuery dataset (docs/bigquery.md)."""
    if settings.warehouse == "bigquery":
        return BigQueryWarehouse.from_settings(settings)
    return DuckDBWarehouse(
        database=str(settings.duckdb_path), connection_config=settings.duckdb_config
    )


def build_resources(
    settings: Settings, landing_dir: str | None = None, allow_empty: bool = False
) -> dict[str, Any]:
    return {
        "landing": LandingSource(
            landing_dir=landing_dir or str(settings.landing_dir),
            rules_dir=str(settings.rules_dir),
            allow_empty=allow_empty,
        ),
        "warehouse": build_warehouse(settings),
        "rules": rules_resource(settings),
        "calendar": NightCalendar(first_night=settings.start_date),
        "report_files": ReportFiles(reports_dir=str(settings.reports_dir)),
        "slack": slack_resource_from_env(settings.slack_channel),
    }
