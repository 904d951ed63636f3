"""Resources chosen per environment, in one place, from one Settings value: the warehouse by
RECON_WAREHOUSE (RESOURCES_BY_WAREHOUSE), Slack and the narrator by which secrets are set;
every secret reaches its resource through `dg.EnvVar`, read when a run starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from recon_assets.adapters.config import load_sources
from recon_assets.extracts.assets import EXTRACTS, api_feeds
from recon_assets.extracts.shopify_api import ShopifyResource
from recon_assets.extracts.stripe_api import DEFAULT_BASE_URL, StripeResource
from recon_assets.history import NightCalendar
from recon_assets.reporting.narrator import NarratorResource
from recon_assets.reporting.slack import SlackResource
from recon_assets.reporting.store import ReportFiles
from recon_assets.rules_resource import RulesResource
from recon_assets.settings import ANTHROPIC_KEY_ENV, SLACK_TOKEN_ENV, Settings
from recon_assets.sources.resource import LandingSource
from recon_assets.warehouse import Warehouse
from recon_assets.warehouse_duckdb import DuckDBWarehouse


def duckdb_resources(settings: Settings) -> dict[str, Any]:
    return {
        "warehouse": DuckDBWarehouse(
            database=str(settings.duckdb_path), connection_config=settings.duckdb_config
        )
    }


def bigquery_resources(settings: Settings) -> dict[str, Any]:
    # Google's client libraries load only for a BigQuery store.
    from recon_assets.warehouse_bigquery import BigQueryWarehouse

    return {"warehouse": BigQueryWarehouse.from_settings(settings)}


# What differs by RECON_WAREHOUSE (as hooli-data-eng-pipelines picks its resources by
# deployment): the embedded DuckDB file, or a BigQuery dataset (docs/bigquery.md). Each entry
# is built only when picked, so a DuckDB install never needs BigQuery's settings.
RESOURCES_BY_WAREHOUSE: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "duckdb": duckdb_resources,
    "bigquery": bigquery_resources,
}


def build_warehouse(settings: Settings) -> Warehouse:
    return RESOURCES_BY_WAREHOUSE[settings.warehouse](settings)["warehouse"]


def slack_resource(settings: Settings) -> SlackResource:
    """Slack for the report and the alerts; off (no token) unless SLACK_BOT_TOKEN is set."""
    return SlackResource(
        channel=settings.slack_channel,
        token=dg.EnvVar(SLACK_TOKEN_ENV) if settings.slack_on else None,
        base_url=settings.slack_base_url,
        webserver_url=settings.webserver_url,
        max_retry_after_seconds=settings.slack_max_retry_after,
    )


def narrator_resource(settings: Settings) -> NarratorResource:
    """The report's narrator as RECON_NARRATOR asks; the template alone unless it does."""
    key_set = ANTHROPIC_KEY_ENV in settings.secrets_set
    return NarratorResource(
        choice=settings.narrator,
        model=settings.narrator_model,
        api_key=dg.EnvVar(ANTHROPIC_KEY_ENV) if key_set else None,
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
        **RESOURCES_BY_WAREHOUSE[settings.warehouse](settings),
        "rules": RulesResource(rules_dir=str(settings.rules_dir)),
        "calendar": NightCalendar(first_night=settings.start_date),
        "report_files": ReportFiles(reports_dir=str(settings.reports_dir)),
        "slack": slack_resource(settings),
        "narrator": narrator_resource(settings),
        **build_extract_resources(settings),
    }
