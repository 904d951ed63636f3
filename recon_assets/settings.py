"""Configuration from environment variables, read in this module only (README lists each one).

`Settings.from_env()` reads them once; the code location, the resources and the commands are
built from the value it returns. Secrets are never kept here: a Settings value says only which
are set, and the resources read them when a run starts (`dg.EnvVar`, resources.py).
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The queries (sql/) and the default rules (rules/) are top-level folders of the checkout
# (DESIGN.md section 3); recon_assets/sql and recon_assets/rules link to them, so a wheel
# ships them as package data and an installed package finds them as a checkout does.
PACKAGE_ROOT = Path(str(resources.files(__package__)))
DEFAULT_RULES_DIR = (PACKAGE_ROOT / "rules").resolve()
WAREHOUSES = ("duckdb", "bigquery")
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_START_DATE = "2024-01-01"
# `recon demo` writes its first night here, so `make dev` shows its nights from the first.
START_DATE_FILE = "start_date"
# DuckDB's default memory cap, in MB, when a quarter of the machine is more.
DEFAULT_DUCKDB_MEMORY_MB = 3 * 1024
# How much DuckDB's write-ahead log may hold before it is merged into the file (DuckDB's
# default is 16 MB). A run's staged rows are deleted once it publishes, so merging them into
# the file mid-run is wasted work: a night with 13,000 open breaks writes about 100 MB (their
# evidence twice, the report's text), and each merge into a 3 GB store took 0.2-2.5 s. The
# file is still merged when the run lets go of it.
DUCKDB_CHECKPOINT_THRESHOLD = "1GB"
# A size as DuckDB's memory_limit takes it: a number and a unit, e.g. 4GB, 512MB, 1.5GiB.
MEMORY_SIZE = re.compile(r"\s*[0-9]+(\.[0-9]+)?\s*(B|[KMGT]i?B)\s*", re.IGNORECASE)
# Environment variables holding a secret (README lists them): read only when a run starts or
# an error is redacted, never stored in a Settings value, config, logs or metadata.
SLACK_TOKEN_ENV = "SLACK_BOT_TOKEN"
ANTHROPIC_KEY_ENV = "ANTHROPIC_API_KEY"
SECRET_ENVS = (SLACK_TOKEN_ENV, ANTHROPIC_KEY_ENV, "STRIPE_API_KEY", "SHOPIFY_ADMIN_TOKEN")
DEFAULT_WEBSERVER_URL = "http://localhost:3000"
MAX_RETRY_AFTER_ENV = "RECON_SLACK_MAX_RETRY_AFTER"
DEFAULT_MAX_RETRY_AFTER = 60.0
NARRATOR_ENV = "RECON_NARRATOR"
DEFAULT_NARRATOR_MODEL = "claude-sonnet-4-5"


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    rules_dir: Path
    timezone: str
    warehouse: str
    start_date: str
    slack_channel: str | None
    # RECON_SCHEDULE=stopped: the nightly schedule waits for someone to start it in the UI.
    schedule_running: bool = True
    # RECON_WAREHOUSE=bigquery only (docs/bigquery.md); the warehouse says which are missing.
    bigquery_project: str | None = None
    bigquery_dataset: str | None = None
    bigquery_location: str | None = None
    # Another endpoint (a local emulator) with anonymous credentials instead of Google's.
    bigquery_api_endpoint: str | None = None
    # DuckDB's memory cap (e.g. `4GB`); past it, DuckDB spills to `duckdb_temp_dir`.
    duckdb_memory_limit: str = ""
    # The vendors' API base URLs for the extracts (a local test server); None: the vendor's.
    stripe_base_url: str | None = None
    shopify_base_url: str | None = None
    # Where the runs are kept (DAGSTER_HOME); None: under `home`.
    dagster_home: Path | None = None
    # Slack's endpoint (RECON_SLACK_BASE_URL: GovSlack, a test server), the UI's address for
    # run links (DAGSTER_WEBSERVER_URL) and the longest Retry-After a post waits for.
    slack_base_url: str | None = None
    webserver_url: str = DEFAULT_WEBSERVER_URL
    slack_max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    # RECON_NARRATOR as given (checked by the narrator resource) and its model.
    narrator: str = ""
    narrator_model: str = DEFAULT_NARRATOR_MODEL
    # The names of the secrets of SECRET_ENVS that are set; never their values.
    secrets_set: frozenset[str] = field(default_factory=frozenset)

    @property
    def slack_on(self) -> bool:
        return SLACK_TOKEN_ENV in self.secrets_set

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.home / "duckdb_tmp"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """A quarter of the machine's memory, at most 3 GB, unless set: DuckDB's own default
        (80%) would let one night crowd out everything else on the host, and DuckDB fills what
        it is given with tables it could spill; a 1M-order night runs as fast within 3 GB. The
        write-ahead log is merged into the file past DUCKDB_CHECKPOINT_THRESHOLD."""
        quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 // 2**20
        limit = self.duckdb_memory_limit or f"{min(quarter, DEFAULT_DUCKDB_MEMORY_MB)}MB"
        return {
            "memory_limit": limit,
            "temp_directory": str(self.duckdb_temp_dir),
            "checkpoint_threshold": DUCKDB_CHECKPOINT_THRESHOLD,
        }

    @property
    def duckdb_path(self) -> Path:
        return self.home / "recon.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @classmethod
    def from_env(cls) -> Settings:
        home = recon_home()
        if home.exists() and not home.is_dir():
            raise SettingsError(f"RECON_HOME={str(home)!r} is a file: point RECON_HOME at a folder")
        timezone = os.environ.get("RECON_TIMEZONE", DEFAULT_TIMEZONE)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise SettingsError(
                f"RECON_TIMEZONE={timezone!r} is not an IANA time zone: set it to one such as "
                f"{DEFAULT_TIMEZONE}"
            ) from err
        warehouse = os.environ.get("RECON_WAREHOUSE", "duckdb").lower()
        if warehouse not in WAREHOUSES:
            raise SettingsError(
                f"RECON_WAREHOUSE={warehouse!r} is not a warehouse: set it to "
                f"{' or '.join(WAREHOUSES)}"
            )
        start_date = os.environ.get("RECON_START_DATE") or stored_start_date(home)
        try:
            datetime.strptime(start_date, "%Y-%m-%d")
        except ValueError as err:
            where = (
                "RECON_START_DATE" if os.environ.get("RECON_START_DATE") else home / START_DATE_FILE
            )
            raise SettingsError(
                f"{where}={start_date!r} is not a YYYY-MM-DD date: set it to the first "
                "business date your landing files cover"
            ) from err
        memory = os.environ.get("RECON_DUCKDB_MEMORY_LIMIT", "")
        if memory and not MEMORY_SIZE.fullmatch(memory):
            raise SettingsError(
                f"RECON_DUCKDB_MEMORY_LIMIT={memory!r} is not a size: set it to one such as 4GB "
                "or 512MB, or unset it"
            )
        dagster_home = os.environ.get("DAGSTER_HOME")
        if dagster_home and Path(dagster_home).exists() and not Path(dagster_home).is_dir():
            raise SettingsError(
                f"DAGSTER_HOME={dagster_home!r} is a file: point DAGSTER_HOME at a folder, or "
                "unset it (the runs are then kept under RECON_HOME)"
            )
        if os.environ.get(SLACK_TOKEN_ENV) and not os.environ.get("RECON_SLACK_CHANNEL"):
            raise SettingsError(
                "SLACK_BOT_TOKEN is set but RECON_SLACK_CHANNEL is not: set it to the channel "
                "the report goes to (e.g. #finance-ops), or unset SLACK_BOT_TOKEN to keep Slack off"
            )
        if warehouse == "bigquery":
            for name in ("RECON_BQ_PROJECT", "RECON_BQ_DATASET"):
                if not os.environ.get(name):
                    raise SettingsError(
                        f"RECON_WAREHOUSE=bigquery needs {name} set: set it (docs/bigquery.md), "
                        "or set RECON_WAREHOUSE=duckdb"
                    )
        return cls(
            home=home,
            landing_dir=Path(os.environ.get("RECON_LANDING_DIR", str(home / "landing"))),
            rules_dir=Path(os.environ.get("RECON_RULES_DIR", str(DEFAULT_RULES_DIR))),
            timezone=timezone,
            warehouse=warehouse,
            start_date=start_date,
            slack_channel=os.environ.get("RECON_SLACK_CHANNEL") or None,
            schedule_running=os.environ.get("RECON_SCHEDULE", "running").lower() != "stopped",
            bigquery_project=os.environ.get("RECON_BQ_PROJECT") or None,
            bigquery_dataset=os.environ.get("RECON_BQ_DATASET") or None,
            bigquery_location=os.environ.get("RECON_BQ_LOCATION") or None,
            bigquery_api_endpoint=os.environ.get("RECON_BQ_API_ENDPOINT") or None,
            duckdb_memory_limit=memory,
            stripe_base_url=os.environ.get("RECON_STRIPE_BASE_URL") or None,
            shopify_base_url=os.environ.get("RECON_SHOPIFY_BASE_URL") or None,
            dagster_home=Path(dagster_home) if dagster_home else None,
            slack_base_url=os.environ.get("RECON_SLACK_BASE_URL") or None,
            webserver_url=os.environ.get("DAGSTER_WEBSERVER_URL") or DEFAULT_WEBSERVER_URL,
            slack_max_retry_after=max_retry_after(),
            narrator=os.environ.get(NARRATOR_ENV, ""),
            narrator_model=os.environ.get("RECON_NARRATOR_MODEL", DEFAULT_NARRATOR_MODEL),
            secrets_set=frozenset(name for name in SECRET_ENVS if os.environ.get(name)),
        )


def recon_home() -> Path:
    """RECON_HOME, default `.recon`: where the store, the reports and the runs are kept."""
    return Path(os.environ.get("RECON_HOME", ".recon"))


def sql_cache_dir() -> Path | None:
    """Where transpiled SQL is kept between processes (`sql.statements`): `$XDG_CACHE_HOME`,
    else `~/.cache`, then `recon_assets/sql`. A relative XDG_CACHE_HOME is ignored, as the XDG
    specification says; with no absolute folder at all (no home), nothing is kept."""
    given = Path(os.environ.get("XDG_CACHE_HOME", ""))
    base = given if given.is_absolute() else Path(os.path.expanduser("~")) / ".cache"
    return base / "recon_assets/sql" if base.is_absolute() else None


def max_retry_after() -> float:
    """RECON_SLACK_MAX_RETRY_AFTER: the longest Retry-After a Slack post waits for."""
    text = os.environ.get(MAX_RETRY_AFTER_ENV) or str(DEFAULT_MAX_RETRY_AFTER)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SettingsError(
            f"{MAX_RETRY_AFTER_ENV}={text!r} is not a number of seconds: set it to one such as "
            f"{DEFAULT_MAX_RETRY_AFTER:g}"
        )
    return seconds


def secret_values() -> list[str]:
    """The values of the secrets set now, for redaction only: never stored or logged."""
    return [value for name in SECRET_ENVS if (value := os.environ.get(name, "").strip())]


def login_name() -> str:
    """$USER, else the account's login name: who accepted a rule, when git does not say."""
    return os.environ.get("USER") or getpass.getuser()


def stored_start_date(home: Path) -> str:
    """The first night `recon demo` wrote into RECON_HOME, else the default."""
    path = home / START_DATE_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else DEFAULT_START_DATE


def store_start_date(home: Path, first_night: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / START_DATE_FILE).write_text(first_night + "\n", encoding="utf-8")
