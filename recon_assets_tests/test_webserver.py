"""The Dagster UI's own API, as a data engineer sees it: a real dagster-webserver on loopback
over a reconciled temporary instance, asked through GraphQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from recon_assets.generator import generate, parse_breaks
from recon_assets.instance import write_instance_config
from recon_assets.runner import materialize_nights, nights
from recon_assets.settings import Settings
from recon_assets_tests.conftest import CHECKOUT, free_port

FIRST = date(2026, 3, 20)
LAST = FIRST + timedelta(days=2)
STARTUP_SECONDS = 120
WEBSERVER = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml"]
DAEMON = [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"]
# The daemon's start, its backfill tick, the run of three nights, the tick that sees it done.
RUNS_SECONDS = 240


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@pytest.fixture(scope="module")
def ui_env(tmp_path_factory):
    """Three nights reconciled by `recon backfill`, the last one missing the 3PL's file, on
    an instance configured as the product configures it; the environment its servers get."""
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
    # Runs launched through the UI's API wait in the instance's queue until a test starts
    # the daemon.
    write_instance_config(root / "dagster")
    generate(settings.landing_dir, FIRST, 3, 5, 3, breaks=parse_breaks("none"))
    # The last night is not clean: the 3PL sent nothing.
    (settings.landing_dir / "shipments" / f"{LAST}.csv").unlink()
    materialize_nights(settings, nights(FIRST, LAST), backfill=True)
    yield env
    patch.undo()


def _start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=CHECKOUT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: its code server and runs stop with it
    )


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def graphql(ui_env):
    port = free_port()
    server = _start([*WEBSERVER, "-h", "127.0.0.1", "-p", str(port)], ui_env)
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
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.loads(response.read())
            except urllib.error.HTTPError as err:
                answer = json.loads(err.read())
            assert "errors" not in answer, answer
            return answer["data"]

        yield query
    finally:
        _stop(server)


def test_asset_groups_and_owners(graphql):
    nodes = graphql(
        "{ assetNodes { assetKey { path } groupName owners { ... on TeamAssetOwner { team } } } }"
    )["assetNodes"]
    seen = {n["assetKey"]["path"][0]: (n["groupName"], n["owners"]) for n in nodes}
    assert seen["ledger_entries"] == ("sources", [{"team": "finance-systems"}])
    assert seen["classified_variances"] == ("reconciliation", [{"team": "data-engineering"}])
    assert seen["exception_report"] == ("reporting", [{"team": "finance-ops"}])
    assert all(owners for _, owners in seen.values())


def test_recon_backfill_is_one_run_of_the_nightly_job(graphql):
    runs = graphql(
        '{ runsOrError(filter: {tags: [{key: "recon/backfill", value: "true"}]}) '
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
    partition runId status evaluation { severity }
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
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message stack }
  }
}"""
RUN = """
query ($id: ID!) {
  runOrError(runId: $id) { ... on Run {
    runId jobName status tags { key value } assetCheckSelection { name assetKey { path } }
    eventConnection(limit: 1000) { events {
      __typename ... on MaterializationEvent { assetKey { path } partition }
    } }
  } }
}"""
TERMINATE = """
mutation ($id: String!) { terminateRun(runId: $id) { __typename } }"""
BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  }
}"""
BACKFILL_STATUS = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
}"""
BACKFILL_ASSETS = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill {
    assetBackfillData { assetBackfillStatuses { ... on AssetPartitionsStatusCounts {
      assetKey { path } numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized
    } } }
  } }
}"""
RUN_STATUS = """
query ($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
BACKFILL_RUNS = """
query ($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { runId } }
  }
}"""


def _ui_launch_params(graphql) -> tuple[dict, list]:
    """What the asset graph's "Materialize all" sends for one night, built as the UI builds it
    (LaunchAssetExecutionButton.tsx): the first job every asset is in, each asset's checks in
    that job; and the checks it offered."""
    assets = graphql(LAUNCH_ASSETS)["assetNodes"]
    job = next(j for j in assets[0]["jobNames"] if all(j in a["jobNames"] for a in assets))
    # Dagster's implicit job sorts before ours: the UI picks it, the instance swaps it.
    assert job == "__ASSET_JOB"
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
    return params, checks


def _backfill_runs(graphql, backfill_id: str) -> list[dict]:
    return graphql(BACKFILL_RUNS, {"id": backfill_id})["runsOrError"]["results"]


def _backfill_done(graphql, backfill_id: str) -> str:
    """The backfill's status once the daemon has marked it done (after its run finished)."""
    deadline = time.monotonic() + RUNS_SECONDS
    while True:
        status = graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if status["status"] not in ("REQUESTED", "CANCELING"):
            return status["status"]
        assert time.monotonic() < deadline, status
        time.sleep(2)


def _claimed_while_running(graphql, backfill_id: str) -> dict[str, tuple[int, int, int]]:
    """Per asset of the backfill, while its run is running: nights targeted, in progress and
    stored, as the daemon sees them. The daemon asks for more runs for what is neither."""
    deadline = time.monotonic() + RUNS_SECONDS
    while time.monotonic() < deadline:
        runs = _backfill_runs(graphql, backfill_id)
        if runs:
            status = {"id": runs[0]["runId"]}
            if graphql(RUN_STATUS, status)["runOrError"]["status"] == "STARTED":
                answer = graphql(BACKFILL_ASSETS, {"id": backfill_id})["partitionBackfillOrError"]
                # Seen while it still runs: once done, every night is stored anyway.
                if graphql(RUN_STATUS, status)["runOrError"]["status"] == "STARTED":
                    return {
                        s["assetKey"]["path"][0]: (
                            s["numPartitionsTargeted"],
                            s["numPartitionsInProgress"],
                            s["numPartitionsMaterialized"],
                        )
                        for s in answer["assetBackfillData"]["assetBackfillStatuses"]
                    }
        time.sleep(0.5)
    raise AssertionError("the backfill's run was never seen running")


def _in_run(graphql, asset: str, check: str, run_id: str) -> dict[str, str]:
    """A check's result per night in one run."""
    executions = graphql(CHECK_HISTORY, {"asset": {"path": [asset]}, "check": check})
    return {
        e["partition"]: e["status"]
        for e in executions["assetCheckExecutions"]
        if e["runId"] == run_id
    }


def _materialized(run: dict) -> dict[str, list[str]]:
    """Each asset's nights, in the order the run materialised them."""
    nights_by_asset: dict[str, list[str]] = {}
    for event in run["eventConnection"]["events"]:
        if event["__typename"] == "MaterializationEvent":
            nights_by_asset.setdefault(event["assetKey"]["path"][0], []).append(event["partition"])
    return nights_by_asset


def test_what_the_ui_launches_runs_as_the_nightly_job(graphql, ui_env):
    """Materialize all on one night and a 3-night backfill, sent as the asset graph sends
    them: each is one run of nightly_reconciliation, and a real dagster-daemon carries out
    the backfill as that one run, the nights in date order, each night's checks recorded."""
    params, checks = _ui_launch_params(graphql)
    launched = graphql(LAUNCH, {"params": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    single = graphql(RUN, {"id": launched["run"]["runId"]})["runOrError"]
    assert (single["jobName"], single["status"]) == ("nightly_reconciliation", "QUEUED")
    assert {"key": "dagster/partition", "value": LAST.isoformat()} in single["tags"]
    selected = {(c["assetKey"]["path"][0], c["name"]) for c in single["assetCheckSelection"]}
    per_night = {(path[0], c["name"]) for c, path in checks if c["partitionDefinition"]}
    # Every check the UI runs is one of the night's; none reads the wall clock.
    assert selected == per_night and len(selected) == len(checks)
    assert ("exception_report", "night_is_clean") in selected
    # Terminated in the queue, as the UI's Terminate does: the backfill below runs the same
    # recreated kind of run, and a second run would double the test's time.
    terminated = graphql(TERMINATE, {"id": single["runId"]})["terminateRun"]
    assert terminated["__typename"] == "TerminateRunSuccess", terminated

    # The asset graph's partition dialog over every asset: an asset backfill.
    every_asset = params["selector"]["assetSelection"]
    backfill = {"assetSelection": every_asset, "partitionNames": nights(FIRST, LAST)}
    backfill = {**backfill, "fromFailure": False, "tags": []}
    started = graphql(BACKFILL, {"params": backfill})["launchPartitionBackfill"]
    assert started["__typename"] == "LaunchBackfillSuccess", started
    backfill_id = started["backfillId"]

    daemon = _start(DAEMON, ui_env)
    try:
        # While the run does the whole backfill, the daemon counts every asset's nights as
        # requested: seeing the first ones stored, it would otherwise ask for the rest again.
        claimed = _claimed_while_running(graphql, backfill_id)
        status = _backfill_done(graphql, backfill_id)
    finally:
        _stop(daemon)
    assert status == "COMPLETED_SUCCESS"
    assert len(claimed) == len(every_asset)
    assert all(in_progress + stored == 3 for _, in_progress, stored in claimed.values()), claimed
    [run_id] = [r["runId"] for r in _backfill_runs(graphql, backfill_id)]  # one run
    run = graphql(RUN, {"id": run_id})["runOrError"]
    assert (run["jobName"], run["status"]) == ("nightly_reconciliation", "SUCCESS")
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags["dagster/asset_partition_range_start"] == FIRST.isoformat()
    assert tags["dagster/asset_partition_range_end"] == LAST.isoformat()
    materialized = _materialized(run)
    assert len(materialized) == len(every_asset)
    # Every asset took the three nights, in date order.
    assert all(found == nights(FIRST, LAST) for found in materialized.values()), materialized
    # Every night has its own result; the 3PL's file is missing on the last night only.
    first, second, last = nights(FIRST, LAST)
    clean = _in_run(graphql, "exception_report", "night_is_clean", run_id)
    assert clean == {first: "SUCCEEDED", second: "SUCCEEDED", last: "FAILED"}
    history = _in_run(graphql, "matched_ledger", "history_is_complete", run_id)
    assert history == dict.fromkeys(nights(FIRST, LAST), "SUCCEEDED")
