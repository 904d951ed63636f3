"""The Dagster UI's own API, as a data engineer sees it: a real dagster-webserver on loopback
over a reconciled temporary instance, asked through GraphQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta

import pytest

from recon_assets.generator import generate, parse_breaks
from recon_assets.runner import materialize_nights, nights
from recon_assets.settings import Settings
from recon_assets_tests.conftest import CHECKOUT, free_port

FIRST = date(2026, 3, 20)
LAST = FIRST + timedelta(days=2)
STARTUP_SECONDS = 120
WEBSERVER = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml"]
QUEUED_RUNS = """run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
"""


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
    # Runs launched through the UI's API wait in the queue (no daemon here): what they would
    # run can be read, and the reconciled nights stay as the backfill left them.
    (root / "dagster").mkdir()
    (root / "dagster" / "dagster.yaml").write_text(QUEUED_RUNS)
    generate(settings.landing_dir, FIRST, 3, 5, 3, breaks=parse_breaks("none"))
    # The last night is not clean: the 3PL sent nothing.
    (settings.landing_dir / "shipments" / f"{LAST}.csv").unlink()
    materialize_nights(settings, nights(FIRST, LAST), backfill=True)
    port = free_port()
    server = subprocess.Popen(
        [*WEBSERVER, "-h", "127.0.0.1", "-p", str(port)],
        cwd=CHECKOUT,
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
        '{ runsOrError(filter: {pipelineName: "nightly_reconciliation"}) '
        "{ ... on Runs { results { jobName status tags { key value } } } } }"
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


# What the UI's asset graph asks before "Materialize all" (LaunchAssetExecutionButton.tsx).
LAUNCH_ASSETS = """
{ assetNodes {
    assetKey { path } jobNames repository { name location { name } }
    assetChecksOrError { ... on AssetChecks { checks { name jobNames partitionDefinition {
      description } } } }
} }"""
LAUNCH = """
mutation ($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } }
  }
}"""
RUN_CHECKS = """
query ($id: ID!) {
  runOrError(runId: $id) { ... on Run { status assetCheckSelection { name assetKey { path } } } }
}"""


def test_materialize_all_in_the_ui_selects_only_checks_of_the_night(graphql):
    """The run the UI launches for "Materialize all" on one night, built as the UI builds it:
    the first job every asset is in, and each asset's checks in that job."""
    assets = graphql(LAUNCH_ASSETS)["assetNodes"]
    job = next(j for j in assets[0]["jobNames"] if all(j in a["jobNames"] for a in assets))
    checks = [
        (check, a["assetKey"]["path"])
        for a in assets
        for check in a["assetChecksOrError"]["checks"]
        if job in check["jobNames"]
    ]
    repository = assets[0]["repository"]
    params = {
        "mode": "default",
        "runConfigData": "{}",
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": LAST.isoformat()}]},
        "selector": {
            "repositoryLocationName": repository["location"]["name"],
            "repositoryName": repository["name"],
            "pipelineName": job,
            "assetSelection": [{"path": a["assetKey"]["path"]} for a in assets],
            "assetCheckSelection": [
                {"name": check["name"], "assetKey": {"path": path}} for check, path in checks
            ],
        },
    }
    launched = graphql(LAUNCH, {"params": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run = graphql(RUN_CHECKS, {"id": launched["run"]["runId"]})["runOrError"]
    assert run["status"] == "QUEUED"
    selected = {(c["assetKey"]["path"][0], c["name"]) for c in run["assetCheckSelection"]}
    per_night = {(path[0], c["name"]) for c, path in checks if c["partitionDefinition"]}
    # Every check the UI runs is one of the night's; none reads the wall clock.
    assert selected == per_night
    assert ("exception_report", "night_is_clean") in selected
    assert len(selected) == sum(len(a["assetChecksOrError"]["checks"]) for a in assets)
