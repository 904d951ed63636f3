"""Resources chosen per environment, in one place."""

from __future__ import annotations

from typing import Any

import dagster as dg

from recon_assets.adapters.config import load_sources
from recon_assets.extracts.assets import EXTRACTS, api_feeds
from recon_assets.extracts.shopify_api import ShopifyResource
from recon_assets.extracts.stripe_api import DEFAULT_BASE_URL, StripeResource
from recon_assets.history import NightCalendar
from recon_assets.reporting.slack import slack_resource_from_env
from recon_assets.reporting.store import ReportFiles
from recon_assets.rules_resource import RulesResource
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


def configured_feeds(settings: Settings):
    """The feeds of `rules/sources.yaml`, if the rules have one."""
    path = settings.rules_dir / "sources.yaml"
    return load_sources(path, settings.timezone) if path.is_file() else []


def build_extract_resources(settings: Settings) -> dict[str, Any]:
    """The API clients of the feeds pulled via api only: credentials are read from the
    environment when a run needs them (dg.EnvVar), never stored in config or logged."""
    wanted = {EXTRACTS[feed.format].resource for feed in api_feeds(configured_feeds(settings))}
    resources: dict[str, Any] = {}
    if "stripe_api" in wanted:
        resources["stripe_api"] = StripeResource(
            api_key=dg.EnvVar("STRIPE_API_KEY"),
            base_url=settings.stripe_base_url or DEFAULT_BASE_URL,
        )
    if "shopify_api" in wanted:
        resources["shopify_api"] = ShopifyResource(
            shop=dg.EnvVar("SHOPIFY_SHOP"),
            token=dg.EnvVar("SHOPIFY_ADMIN_TOKEN"),
            base_url=settings.shopify_base_url or "",
        )
    return resources


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
        "rules": RulesResource(rules_dir=str(settings.rules_dir)),
        "calendar": NightCalendar(first_night=settings.start_date),
        "report_files": ReportFiles(reports_dir=str(settings.reports_dir)),
        "slack": slack_resource_from_env(settings.slack_channel),
        **build_extract_resources(settings),
    }
