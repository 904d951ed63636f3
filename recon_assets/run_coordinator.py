"""Every run the Dagster UI launches is a run of `nightly_reconciliation` (or, when every
asset it selects is an extract, of `nightly_extracts`), queued one at a time, and a backfill
from the asset graph is one run.

The asset graph's Materialize button and its backfills launch Dagster's implicit asset job:
the UI takes the first job, by name, that every selected asset is in (`__ASSET_JOB` sorts
first), and the backfill daemon always picks it. Its asset backfills also split a range into
a run per stage, since Dagster never puts an asset that reads its own previous night
(matched_ledger, classified_variances) in a run with its parents. This coordinator, named in
the instance's dagster.yaml, recreates such a run, under the same id, as the nightly job's.

With a feed pulled from an API the graph also has extract assets (group `extracts`), which
are not in the nightly job: a launch of extracts only becomes a run of `nightly_extracts`; a
launch mixing extracts and the rest is left as Dagster launched it (one run of the implicit
job, where a failed extract skips the reconciliation below it; launch the two jobs to have
the night reconciled whatever the vendor does).

The daemon only knows the assets it asked for: seeing the run's first nights stored, it would
ask for the rest again, a second run redoing every night the first is still doing (certain on
a long backfill). The instance's run launcher therefore tells the backfill, as the run starts,
that every asset of it is requested.
"""

from __future__ import annotations

import time

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.launcher import DefaultRunLauncher, LaunchRunContext
from dagster._core.remote_representation.code_location import is_implicit_asset_job_name
from dagster._core.run_coordinator import SubmitRunContext
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
    PARTITION_NAME_TAG,
)

from recon_assets.jobs import EXTRACTS_GROUP, EXTRACTS_JOB, NIGHTLY_JOB

# On a run that does a whole asset backfill: the backfill it does.
WHOLE_BACKFILL_TAG = "recon/whole_backfill"
# How long the claim must hold: the daemon's tick that submitted the run writes the backfill
# it read before, and may do so just after the run is launched.
CLAIM_HOLDS_SECONDS = 3
CLAIM_GIVES_UP_SECONDS = 60


def _job_for(selection: frozenset[dg.AssetKey] | None, workspace) -> str | None:
    """The job a fresh implicit-job run becomes: the extracts job when every selected asset
    is an extract, the nightly job when none is, None (left as launched) when both are. No
    selection is every asset of the graph."""
    graph = workspace.asset_graph
    keys = selection if selection is not None else graph.materializable_asset_keys
    extract = {graph.get(key).group_name == EXTRACTS_GROUP for key in keys}
    if extract == {True}:
        return EXTRACTS_JOB
    return NIGHTLY_JOB if True not in extract else None


class NightlyJobRunCoordinator(dg.QueuedRunCoordinator):
    """Dagster's run queue, where a fresh run of the implicit asset job becomes the same run
    (id, tags, nights, checks) of the nightly job, or of the extracts job when it selects
    extracts only; the first run of an asset backfill takes every asset of the backfill, so
    the whole range is one run."""

    def submit_run(self, context: SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        # A fresh launch only: a re-execution of an older run keeps that run's job and steps.
        fresh = run.status == dg.DagsterRunStatus.NOT_STARTED and run.parent_run_id is None
        # Recreating a run also removes its planned checks, which only SQL storages allow.
        storage = self._instance.event_log_storage
        sql = isinstance(storage, SqlEventLogStorage)
        if fresh and sql and is_implicit_asset_job_name(run.job_name):
            backfill_assets = self._backfill_assets(run, context.workspace)
            job_name = _job_for(backfill_assets or run.asset_selection, context.workspace)
            if job_name is not None:
                run = self._as_job(run, job_name, backfill_assets, context.workspace, storage)
        return super().submit_run(SubmitRunContext(run, context.workspace))

    def _as_job(
        self,
        run: dg.DagsterRun,
        job_name: str,
        backfill_assets: frozenset[dg.AssetKey] | None,
        workspace,
        storage: SqlEventLogStorage,
    ) -> dg.DagsterRun:
        origin = run.remote_job_origin
        selector = JobSubsetSelector(
            location_name=origin.location_name,
            repository_name=origin.repository_origin.repository_name,
            job_name=job_name,
            op_selection=None,
            asset_selection=backfill_assets or run.asset_selection,
            # The backfill's assets with every one of their checks, as the job has them.
            asset_check_selection=None if backfill_assets else run.asset_check_selection,
        )
        code_location = workspace.get_code_location(selector.location_name)
        job = code_location.get_job(selector)
        plan = code_location.get_execution_plan(
            job, run.run_config, None, known_state=None, instance=self._instance
        )
        # The same id: the UI's link and the backfill's reserved run id stay right. Dagster's
        # delete_run leaves the run's planned checks behind; left, each would show in a night's
        # check history as a phantom "Skipped".
        self._instance.delete_run(run.run_id)
        with storage.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.delete().where(
                    AssetCheckExecutionsTable.c.run_id == run.run_id
                )
            )
        return self._instance.create_run(
            job_name=job_name,
            run_id=run.run_id,
            run_config=run.run_config,
            resolved_op_selection=None,
            op_selection=None,
            step_keys_to_execute=None,
            status=dg.DagsterRunStatus.NOT_STARTED,
            tags={**run.tags, WHOLE_BACKFILL_TAG: run.tags[BACKFILL_ID_TAG]}
            if backfill_assets
            else run.tags,
            root_run_id=None,
            parent_run_id=None,
            job_snapshot=job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=job.parent_job_snapshot,
            remote_job_origin=job.get_remote_origin(),
            job_code_origin=job.get_python_origin(),
            asset_selection=selector.asset_selection,
            asset_check_selection=selector.asset_check_selection,
            asset_graph=workspace.asset_graph,
        )

    def _backfill_assets(self, run: dg.DagsterRun, workspace) -> frozenset[dg.AssetKey] | None:
        """Every asset of the asset backfill this run is the first run of, when each asset
        targets the run's own nights: then the run does the whole backfill, in date order,
        and the daemon finds nothing left to request."""
        backfill_id = run.tags.get(BACKFILL_ID_TAG)
        backfill = self._instance.get_backfill(backfill_id) if backfill_id else None
        if backfill is None or not backfill.is_asset_backfill:
            return None
        earlier = self._instance.get_run_ids(dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
        if set(earlier) - {run.run_id}:
            return None
        target = backfill.get_asset_backfill_data(workspace.asset_graph).target_subset
        by_asset = target.partitions_subsets_by_asset_key
        targeted = {frozenset(nights.get_partition_keys()) for nights in by_asset.values()}
        if target.non_partitioned_asset_keys or len(targeted) != 1:
            return None
        [nights] = targeted
        first = run.tags.get(ASSET_PARTITION_RANGE_START_TAG, run.tags.get(PARTITION_NAME_TAG))
        last = run.tags.get(ASSET_PARTITION_RANGE_END_TAG, run.tags.get(PARTITION_NAME_TAG))
        partitions = workspace.asset_graph.get(next(iter(by_asset))).partitions_def
        in_run = partitions.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
        return frozenset(by_asset) if set(in_run) == nights else None


class NightlyRunLauncher(DefaultRunLauncher):
    """Dagster's launcher, where a run doing a whole asset backfill first marks every asset
    partition of the backfill requested, so the daemon asks for nothing more while it runs."""

    def launch_run(self, context: LaunchRunContext) -> None:
        backfill_id = context.dagster_run.tags.get(WHOLE_BACKFILL_TAG)
        if backfill_id and context.workspace is not None:
            self._claim(backfill_id, context.workspace.asset_graph)
        super().launch_run(context)

    def _claim(self, backfill_id: str, graph) -> None:
        """Marks the backfill's target requested and waits until the mark has held for a
        moment: the daemon's write of what it read before overwrites it, once at most."""
        held_since = None
        deadline = time.monotonic() + CLAIM_GIVES_UP_SECONDS
        while time.monotonic() < deadline:
            backfill = self._instance.get_backfill(backfill_id)
            if backfill is None:
                return
            data = backfill.get_asset_backfill_data(graph)
            if (data.target_subset - data.requested_subset).is_empty:
                held_since = held_since or time.monotonic()
                if time.monotonic() - held_since >= CLAIM_HOLDS_SECONDS:
                    return
            else:
                held_since = None
                claimed = data.replace_requested_subset(data.target_subset)
                self._instance.update_backfill(
                    backfill.with_asset_backfill_data(claimed, self._instance, graph)
                )
            time.sleep(0.5)
