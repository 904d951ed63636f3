"""The Dagster UI's own API, as a data engineer sees it: a real dagster-webserver on loopback
over a reconciled temporary instance, asked through GraphQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta

import pytest

from recon_assets.generator import generate, parse_breaks
from recon_assets.runner import materialize_nights, nights
from recon_assets.settings import PROJECT_ROOT, Settings

FIRST = date(2026, 3, 20)
LAST = FIRST + timedelta(days=2)
STARTUP_SECONDS = 120
WEBSERVER = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@pytest.fixture(scope="module")
def graphql(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    env = {
        **os.environ,
        "RECON_HOME": str(root / "home"),
        "RECON_LANDING_DIR": str(root / "landing"),
        "RECON_START_DATE": FIRST.isoformat(),
        "DAGSTER_HOME": str(root / "dagster"),
    }
    patch = pytest.MonkeyPatch()
    for name in ("RECON_HOME", "RECON_LANDING_DIR", "RECON_START_DATE", "DAGSTER_HOME"):
        patch.setenv(name, env[name])
    settings = Settings.from_env()
    generate(settings.landing_dir, FIRST, 3, 5, 3, breaks=parse_breaks("none"))
    # The last night is not clean: the 3PL sent nothing.
    (settings.landing_dir / "shipments" / f"{LAST}.csv").unlink()
    materialize_nights(settings, nights(FIRST, LAST), backfill=True)
    port = _free_port()
    server = subprocess.Popen(
        [*WEBSERVER, "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                _get(f"{base}/server_info")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(1)

        def query(text: str, variables: dict | None = None) -> dict:
            request = urllib.request.Request(
                f"{base}/graphql",
                data=json.dumps({"query": text, "variables": variables or {}}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read())
            assert "errors" not in answer, answer
            return answer["data"]

        yield query
    finally:
        server.terminate()
        server.wait(timeout=30)
        patch.undo()


def test_asset_groups_and_owners(graphql):
    nodes = graphql(
        "{ assetNodes { assetKey { path } groupName owners { ... on TeamAssetOwner { team } } } }"
    )["assetNodes"]
    seen = {n["assetKey"]["path"][0]: (n["groupName"], n["owners"]) for n in nodes}
    assert seen["ledger_entries"] == ("sources", [{"team": "finance-systems"}])
    assert seen["classified_variances"] == ("reconciliation", [{"team": "data-engineering"}])
    assert seen["exception_report"] == ("reporting", [{"team": "finance-ops"}])
    assert all(owners for _, owners in seen.values())


def test_the_backfill_is_one_run_of_the_nightly_job(graphql):
    runs = graphql(
        "{ runsOrError { ... on Runs { results { jobName status tags { key value } } } } }"
    )["runsOrError"]["results"]
    assert len(runs) == 1
    [run] = runs
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert run["jobName"] == "nightly_reconciliation" and run["status"] == "SUCCESS"
    assert tags["dagster/asset_partition_range_start"] == FIRST.isoformat()
    assert tags["dagster/asset_partition_range_end"] == LAST.isoformat()


CHECK_HISTORY = """
query ($asset: AssetKeyInput!, $check: String!) {
  assetCheckExecutions(assetKey: $asset, checkName: $check, limit: 20) {
    partition status evaluation { severity }
  }
}"""


def _history(graphql, asset: str, check: str) -> dict[str, tuple[str, str]]:
    executions = graphql(CHECK_HISTORY, {"asset": {"path": [asset]}, "check": check})
    return {
        e["partition"]: (e["status"], e["evaluation"]["severity"])
        for e in executions["assetCheckExecutions"]
    }


def test_checks_are_recorded_per_night_and_a_bad_night_warns(graphql):
    every_night = nights(FIRST, LAST)
    history = _history(graphql, "matched_ledger", "history_is_complete")
    assert sorted(history) == every_night  # one result a night, none without a night
    assert {status for status, _ in history.values()} == {"SUCCEEDED"}
    clean = _history(graphql, "exception_report", "night_is_clean")
    assert clean == {
        every_night[0]: ("SUCCEEDED", "WARN"),
        every_night[1]: ("SUCCEEDED", "WARN"),
        every_night[2]: ("FAILED", "WARN"),
    }
    delivered = _history(graphql, "shipments", "delivered")
    assert delivered[every_night[2]] == ("FAILED", "WARN")
    assert delivered[every_night[1]] == ("SUCCEEDED", "WARN")
