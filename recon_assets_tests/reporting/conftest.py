"""Reporting fixtures: nights reconciled once per session, and a Slack Web API on loopback."""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from recon_assets.generator import generate
from recon_assets.partitions import build_daily_partitions
from recon_assets.reporting.assets import build_reporting_assets
from recon_assets.resources import build_resources
from recon_assets.runner import materialize_night
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.sources.catalog import SOURCES

TOKEN = "xoxb-test-token-never-shown"
CHANNEL_ID = "C0RECON"
FIRST_NIGHT = "2026-03-20"
SECOND_NIGHT = "2026-03-21"
# An order id a storefront could deliver; it must never ping or link in Slack.
INJECTED_ORDER = "<!channel> <https://evil.example|click> & co"
UPSTREAM = [*(s.name for s in SOURCES), "matched_ledger", "classified_variances"]


def _settings(root: Path) -> Settings:
    return Settings(
        home=root / "home",
        landing_dir=root / "landing",
        rules_dir=DEFAULT_RULES_DIR,
        timezone="Europe/London",
        warehouse="duckdb",
        start_date=FIRST_NIGHT,
        slack_channel=None,
    )


def _reconcile(root: Path, breaks: dict[str, int], edit: Callable[[Path], None]) -> Path:
    """Two generated nights through the real upstream graph; the DuckDB file they leave."""
    settings = _settings(root)
    generate(settings.landing_dir, date.fromisoformat(FIRST_NIGHT), 2, 5, 3, breaks=breaks)
    edit(settings.landing_dir)
    instance = dg.DagsterInstance.ephemeral()
    for night in (FIRST_NIGHT, SECOND_NIGHT):
        materialize_night(settings, night, instance=instance, selection=UPSTREAM)
    return settings.duckdb_path


def _drop_second_shipments(landing: Path) -> None:
    (landing / "shipments" / f"{SECOND_NIGHT}.csv").unlink()


def _inject_order_id(landing: Path) -> None:
    """Renames one web order in the storefront's files only: it becomes a break by night two."""
    path = landing / "storefront_orders" / f"{FIRST_NIGHT}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    victim = rows[0]["order_id"]
    for night in (FIRST_NIGHT, SECOND_NIGHT):
        path = landing / "storefront_orders" / f"{night}.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        for row in rows:
            if row["order_id"] == victim:
                row["order_id"] = INJECTED_ORDER
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)


@pytest.fixture(scope="session")
def clean_then_missing_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Night one clean (timing only); night two without the 3PL's shipments file."""
    return _reconcile(tmp_path_factory.mktemp("clean"), {}, _drop_second_shipments)


@pytest.fixture(scope="session")
def exceptions_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Genuine errors and a mapping break by night two, one with an injected order id."""
    breaks = {"oms_amount_differs": 2, "oms_without_sale": 1, "oms_exponent_slip": 1}
    return _reconcile(tmp_path_factory.mktemp("exceptions"), breaks, _inject_order_id)


@pytest.fixture(autouse=True)
def first_night_is_the_first_generated(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reconciled nights start on FIRST_NIGHT: it is the retailer's first night (after
    `settings`, which sets the hand-written books' first night)."""
    monkeypatch.setenv("RECON_START_DATE", FIRST_NIGHT)


@pytest.fixture
def use_db(settings: Settings) -> Callable[[Path], None]:
    """Copies a session's reconciled DuckDB file to this test's RECON_HOME."""

    def copy(template: Path) -> None:
        settings.home.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, settings.duckdb_path)

    return copy


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def materialize_reports(
    instance: dg.DagsterInstance,
    night: str,
    *,
    tags: dict[str, str] | None = None,
    run_config: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
) -> dg.ExecuteInJobResult:
    """exception_report and slack_report for a night, resources read from the environment now."""
    return dg.materialize(
        build_reporting_assets(build_daily_partitions(Settings.from_env()), "duckdb"),
        partition_key=night,
        resources={**build_resources(Settings.from_env()), **(resources or {})},
        instance=instance,
        tags=tags,
        run_config=run_config,
        raise_on_error=False,
    )


def metadata_of(result: dg.ExecuteInJobResult, asset: str) -> dict[str, Any]:
    [event] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(asset)
    ]
    return {k: v.value for k, v in event.metadata.items()}


@dataclass(frozen=True)
class Call:
    method: str
    at: float
    body: dict[str, Any]
    raw: bytes
    authorization: str | None


class SlackStandIn:
    """Answers chat.postMessage and the three steps of files_upload_v2 the way Slack does,
    and remembers every request. `plan` holds canned responses for the next posts."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.calls: list[Call] = []
        self.plan: list[Response] = []
        self.fail_every_post: Response | None = None
        api = {
            "chat.postMessage": self._post,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete,
        }
        for method, handler in api.items():
            server.expect_request(f"/api/{method}", method="POST").respond_with_handler(handler)
        server.expect_request("/upload/F0CSV", method="POST").respond_with_handler(self._upload)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/api/")

    def _record(self, request: Request) -> Call:
        raw = request.get_data()
        if request.is_json:
            body = request.get_json()
        else:
            body = {**request.args.to_dict(), **request.form.to_dict()}
        call = Call(
            request.path.rsplit("/", 1)[-1],
            time.monotonic(),
            body,
            raw,
            request.headers.get("Authorization"),
        )
        self.calls.append(call)
        return call

    @staticmethod
    def _ok(**fields: Any) -> Response:
        return Response(json.dumps({"ok": True, **fields}), content_type="application/json")

    def _post(self, request: Request) -> Response:
        self._record(request)
        if self.fail_every_post is not None:
            return self.fail_every_post
        if self.plan:
            return self.plan.pop(0)
        ts = f"1774000000.{len(self.posts) - 1:06d}"
        return self._ok(channel=CHANNEL_ID, ts=ts, message={"ts": ts})

    def _upload_url(self, request: Request) -> Response:
        self._record(request)
        return self._ok(upload_url=self.server.url_for("/upload/F0CSV"), file_id="F0CSV")

    def _upload(self, request: Request) -> Response:
        self._record(request)
        return Response("OK - 1")

    def _complete(self, request: Request) -> Response:
        self._record(request)
        return self._ok(files=[{"id": "F0CSV", "title": "open breaks"}])

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posts(self) -> list[Call]:
        return self.of("chat.postMessage")


@pytest.fixture
def slack(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> SlackStandIn:
    """Slack switched on and pointed at the stand-in through RECON_SLACK_BASE_URL."""
    stand_in = SlackStandIn(httpserver)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("RECON_SLACK_CHANNEL", "#finance-recon")
    monkeypatch.setenv("RECON_SLACK_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", "http://dagster.example")
    return stand_in


@pytest.fixture(autouse=True)
def _no_ambient_slack_or_narrator(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own Slack token or narrator must never reach these tests."""
    for name in ("SLACK_BOT_TOKEN", "RECON_SLACK_BASE_URL", "RECON_NARRATOR", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
