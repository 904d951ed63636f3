"""Configuration from environment variables, read in one place (README lists each one)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
WAREHOUSES = ("duckdb", "bigquery")
DEFAULT_TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    rules_dir: Path
    timezone: str
    warehouse: str
    start_date: str
    slack_channel: str | None
    # RECON_WAREHOUSE=bigquery only (docs/bigquery.md); the warehouse says which are missing.
    bigquery_project: str | None = None
    bigquery_dataset: str | None = None
    bigquery_location: str | None = None
    # Another endpoint (a local emulator) with anonymous credentials instead of Google's.
    bigquery_api_endpoint: str | None = None
    # DuckDB's memory cap (e.g. `4GB`); past it, DuckDB spills to `duckdb_temp_dir`.
    duckdb_memory_limit: str = ""

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.home / "duckdb_tmp"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """A quarter of the machine's memory unless set: DuckDB's own default (80%) would let
        one night crowd out everything else on the host."""
        limit = self.duckdb_memory_limit or (
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 4 // 2**20}MB"
        )
        return {"memory_limit": limit, "temp_directory": str(self.duckdb_temp_dir)}

    @property
    def duckdb_path(self) -> Path:
        return self.home / "recon.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("RECON_HOME", ".recon"))
        timezone = os.environ.get("RECON_TIMEZONE", DEFAULT_TIMEZONE)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"RECON_TIMEZONE={timezone!r} is not an IANA time zone") from err
        warehouse = os.environ.get("RECON_WAREHOUSE", "duckdb").lower()
        if warehouse not in WAREHOUSES:
            raise ValueError(f"RECON_WAREHOUSE={warehouse!r}: expected one of {WAREHOUSES}")
        return cls(
            home=home,
            landing_dir=Path(os.environ.get("RECON_LANDING_DIR", str(home / "landing"))),
            rules_dir=Path(os.environ.get("RECON_RULES_DIR", str(PROJECT_ROOT / "rules"))),
            timezone=timezone,
            warehouse=warehouse,
            start_date=os.environ.get("RECON_START_DATE", "2024-01-01"),
            slack_channel=os.environ.get("RECON_SLACK_CHANNEL") or None,
            bigquery_project=os.environ.get("RECON_BQ_PROJECT") or None,
            bigquery_dataset=os.environ.get("RECON_BQ_DATASET") or None,
            bigquery_location=os.environ.get("RECON_BQ_LOCATION") or None,
            bigquery_api_endpoint=os.environ.get("RECON_BQ_API_ENDPOINT") or None,
            duckdb_memory_limit=os.environ.get("RECON_DUCKDB_MEMORY_LIMIT", ""),
        )


def warehouse_kinds(*kinds: str) -> set[str]:
    """An asset's kinds in the Dagster UI: the configured warehouse, then its own."""
    return {Settings.from_env().warehouse, *kinds}
