"""Fixtures: the real BigQuery client against a local stand-in, and a night's statements."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from recon_assets.definitions import build_assets
from recon_assets.generator import generate
from recon_assets.resources import build_resources
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.warehouse import DuckDBSession
from recon_assets.warehouse_bigquery import BigQueryWarehouse
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.bigquery.standin import DATASET, LOCATION, PROJECT, StandIn

FIRST_NIGHT = date(2025, 3, 28)
NIGHTS = 3


@pytest.fixture
def standin(httpserver: HTTPServer) -> StandIn:
    found = StandIn()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(found.handle)
    return found


@pytest.fixture
def bigquery(httpserver: HTTPServer, standin: StandIn) -> BigQueryWarehouse:
    return BigQueryWarehouse(
        project=PROJECT,
        dataset=DATASET,
        location=LOCATION,
        api_endpoint=httpserver.url_for("/").rstrip("/"),
    )


class RecordingSession(DuckDBSession):
    """A DuckDB session that also writes down every statement the assets hand it."""

    def __init__(self, con, record_to: Path):
        super().__init__(con)
        self.record_to = record_to

    def _record(self, statement: str) -> None:
        with self.record_to.open("a", encoding="utf-8") as out:
            out.write(json.dumps(statement) + "\n")

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        self._record(statement)
        super().execute(statement, params)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        self._record(sql)
        return super().query(sql, params)


class RecordingDuckDBWarehouse(DuckDBWarehouse):
    # A file, not a list: Dagster copies a resource's config, so only a path survives.
    record_to: str
    # What a BigQuery night runs: BigQuery does not stage a run (README), so neither does this.
    stages_runs: ClassVar[bool] = False

    @contextmanager
    def session(self) -> Iterator[RecordingSession]:
        with super().session() as inner:
            yield RecordingSession(inner.con, Path(self.record_to))


@pytest.fixture(scope="session")
def night_statements(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every statement a few real nights run on DuckDB, in the order they ran."""
    root = tmp_path_factory.mktemp("bq_nights")
    # Enough days for every injected break to show; the first nights are reconciled.
    generate(root / "landing", FIRST_NIGHT, 10, 8, seed=5)
    settings = Settings(
        home=root / "home",
        landing_dir=root / "landing",
        rules_dir=DEFAULT_RULES_DIR,
        timezone="Europe/London",
        warehouse="duckdb",
        start_date=FIRST_NIGHT.isoformat(),
        slack_channel=None,
    )
    record_to = root / "statements.jsonl"
    resources = {
        **build_resources(settings),
        "warehouse": RecordingDuckDBWarehouse(
            database=str(settings.duckdb_path), record_to=str(record_to)
        ),
    }
    for night in range(NIGHTS):
        dg.materialize(
            build_assets(settings),
            partition_key=(FIRST_NIGHT + timedelta(days=night)).isoformat(),
            resources=resources,
        )
    return [json.loads(line) for line in record_to.read_text(encoding="utf-8").splitlines()]
