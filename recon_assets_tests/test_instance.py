"""The Dagster instance the product writes: its run queue makes UI launches nightly runs."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.storage.tags import PARTITION_NAME_TAG
from dagster._core.test_utils import in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from recon_assets.instance import write_instance_config
from recon_assets.jobs import EXTRACTS_JOB, NIGHTLY_JOB
from recon_assets.run_coordinator import NightlyJobRunCoordinator, NightlyRunLauncher
from recon_assets.settings import Settings


def test_the_instance_queues_runs_through_the_nightly_coordinator(tmp_path):
    write_instance_config(tmp_path / "dagster")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    coordinator = instance.run_coordinator
    assert isinstance(coordinator, NightlyJobRunCoordinator)
    # One run at a time: the embedded DuckDB file takes one writer.
    assert coordinator.get_run_queue_config().max_concurrent_runs == 1
    assert isinstance(instance.run_launcher, NightlyRunLauncher)
    assert not instance.telemetry_enabled


@pytest.mark.parametrize(
    "written",
    [
        "telemetry:\n  enabled: false\n",
        # the last version's, before its launcher
        "telemetry:\n  enabled: false\nrun_coordinator:\n  module: recon_assets.run_coordinator"
        "\n  class: NightlyJobRunCoordinator\n  config:\n    max_concurrent_runs: 1\n",
    ],
)
def test_an_earlier_default_is_upgraded_and_a_written_one_kept(tmp_path, written):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "dagster.yaml").write_text(written, encoding="utf-8")
    write_instance_config(earlier)
    assert "NightlyRunLauncher" in (earlier / "dagster.yaml").read_text(encoding="utf-8")
    own = tmp_path / "own"
    own.mkdir()
    text = "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 4\n"
    (own / "dagster.yaml").write_text(text, encoding="utf-8")
    write_instance_config(own)
    assert (own / "dagster.yaml").read_text(encoding="utf-8") == text


DEFINITIONS = """\
from recon_assets.definitions import build_definitions
from recon_assets.settings import Settings

defs = build_definitions(Settings.from_env())
"""
API_FEEDS = """\
feeds:
  - format: shopify-orders
    via: api
  - format: stripe-balance-change
    via: api
    processor: stripe
"""
NIGHT = "2026-03-20"
EXTRACT_KEYS = [dg.AssetKey("shopify_orders"), dg.AssetKey("stripe_balance_transactions")]


@pytest.fixture
def api_workspace(tmp_path, monkeypatch):
    """The product's instance, and its code location (loaded in this process) with both
    feeds pulled from an API."""
    rules = tmp_path / "rules"
    shutil.copytree(Settings.from_env().rules_dir, rules)  # the shipped rules
    (rules / "sources.yaml").write_text(API_FEEDS, encoding="utf-8")
    for name, value in {
        "RECON_RULES_DIR": str(rules),
        "RECON_HOME": str(tmp_path / "home"),
        "RECON_LANDING_DIR": str(tmp_path / "landing"),
        "RECON_START_DATE": NIGHT,
        "STRIPE_API_KEY": "rk_test_unused",
        "SHOPIFY_ADMIN_TOKEN": "shpat_unused",
        "SHOPIFY_SHOP": "recon-sample",
    }.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "defs.py").write_text(DEFINITIONS, encoding="utf-8")
    write_instance_config(tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        origin = LoadableTargetOrigin(python_file=str(tmp_path / "defs.py"), attribute="defs")
        with in_process_test_workspace(instance, origin) as workspace:
            yield instance, workspace


def _launch_as_the_ui(instance, workspace, selection: list[dg.AssetKey]) -> dg.DagsterRun:
    """A run of Dagster's implicit asset job for `selection` on one night, as the asset
    graph's Materialize button creates it, submitted to the instance's queue."""
    [location] = workspace.code_location_names
    code_location = workspace.get_code_location(location)
    [repository] = code_location.get_repositories()
    selector = JobSubsetSelector(
        location_name=location,
        repository_name=repository,
        job_name="__ASSET_JOB",
        op_selection=None,
        asset_selection=selection,
    )
    job = code_location.get_job(selector)
    plan = code_location.get_execution_plan(job, {}, None, known_state=None, instance=instance)
    run = instance.create_run(
        job_name="__ASSET_JOB",
        run_id=None,
        run_config={},
        resolved_op_selection=None,
        op_selection=None,
        step_keys_to_execute=None,
        status=dg.DagsterRunStatus.NOT_STARTED,
        tags={PARTITION_NAME_TAG: NIGHT},
        root_run_id=None,
        parent_run_id=None,
        job_snapshot=job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=job.parent_job_snapshot,
        remote_job_origin=job.get_remote_origin(),
        job_code_origin=job.get_python_origin(),
        asset_selection=frozenset(selection),
        asset_check_selection=None,
        asset_graph=workspace.asset_graph,
    )
    instance.submit_run(run.run_id, workspace)
    return instance.get_run_by_id(run.run_id)


def test_a_ui_launch_of_extracts_only_runs_as_the_extracts_job(api_workspace):
    instance, workspace = api_workspace
    run = _launch_as_the_ui(instance, workspace, EXTRACT_KEYS)
    assert (run.job_name, run.status) == (EXTRACTS_JOB, dg.DagsterRunStatus.QUEUED)
    assert run.asset_selection == frozenset(EXTRACT_KEYS)
    assert run.tags[PARTITION_NAME_TAG] == NIGHT
    one = _launch_as_the_ui(instance, workspace, EXTRACT_KEYS[:1])
    assert (one.job_name, one.asset_selection) == (EXTRACTS_JOB, frozenset(EXTRACT_KEYS[:1]))


def test_a_ui_launch_of_the_rest_runs_as_the_nightly_job_and_a_mixed_one_as_launched(
    api_workspace,
):
    instance, workspace = api_workspace
    storefront = dg.AssetKey("storefront_orders")
    run = _launch_as_the_ui(instance, workspace, [storefront])
    assert (run.job_name, run.asset_selection) == (NIGHTLY_JOB, frozenset([storefront]))
    mixed = _launch_as_the_ui(instance, workspace, [*EXTRACT_KEYS, storefront])
    assert (mixed.job_name, mixed.status) == ("__ASSET_JOB", dg.DagsterRunStatus.QUEUED)
    assert mixed.asset_selection == frozenset([*EXTRACT_KEYS, storefront])
