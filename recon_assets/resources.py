"""Resources chosen per environment, in one place."""

from __future__ import annotations

from typing import Any

from recon_assets.reconciliation.assets import rules_resource
from recon_assets.settings import Settings
from recon_assets.sources.landing import LandingSource
from recon_assets.warehouse import DuckDBWarehouse


def build_resources(settings: Settings, landing_dir: str | None = None) -> dict[str, Any]:
    return {
        "landing": LandingSource(landing_dir=landing_dir or str(settings.landing_dir)),
        "warehouse": DuckDBWarehouse(database=str(settings.duckdb_path)),
        "rules": rules_resource(settings),
    }
