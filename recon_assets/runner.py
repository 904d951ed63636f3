"""Materialising nights outside the UI (the CLI and the demo), on the same Dagster instance."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from recon_assets.definitions import build_definitions
from recon_assets.event_log import instance_at
from recon_assets.failures import NightFailed, NightOutsidePartitions
from recon_assets.history import nights_to_reconcile
from recon_assets.instance import write_instance_config
from recon_assets.jobs import EXTRACTS_JOB, NIGHTLY_JOB
from recon_assets.partitions import partitions_range
from recon_assets.resources import build_warehouse
from recon_assets.settings import Settings
from recon_assets.tags import BACKFILL_TAG

# The command line shows progress and results, and a failure in one line (recon_assets/
# cli_errors.py); Dagster's step logs, tracebacks included, stay in the run record.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def failed_step(instance: dg.DagsterInstance) -> tuple[str, str | None]:
    """The first failed step of the latest run (the one that just failed), and its id."""
    runs = instance.get_runs(limit=1)
    if not runs:
        return "the start of the run", None
    failures = instance.get_records_for_run(
        runs[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE
    ).records
    step = failures[0].event_log_entry.step_key if failures else None
    return step or "the start of the run", runs[0].run_id


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """`$DAGSTER_HOME`, or `$RECON_HOME/dagster`, so `make dev` shows the CLI's runs too."""
    home = (settings.dagster_home or settings.home / "dagster").resolve()
    write_instance_config(home)
    return instance_at(home)


def nights(start: date, end: date) -> list[str]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


# The most nights one run reconciles: a run stages every night it writes and publishes them at
# once (staging.py), so a longer range is taken a month at a time. What a run holds is then
# bounded by a month, not by the range: a year's backfill (365 nights) in one run staged
# every night's breaks and reports until the end, and ran out of memory publishing them.
NIGHTS_PER_RUN = 31


def contiguous(dates: Iterable[str]) -> list[tuple[str, str]]:
    """Sorted nights as runs of consecutive dates, at most NIGHTS_PER_RUN a run: (first, last)
    of each."""
    spans: list[list[date]] = []
    for night in sorted(date.fromisoformat(d) for d in dates):
        if (
            spans
            and night - spans[-1][1] == timedelta(days=1)
            and (night - spans[-1][0]).days < NIGHTS_PER_RUN
        ):
            spans[-1][1] = night
        else:
            spans.append([night, night])
    return [(a.isoformat(), b.isoformat()) for a, b in spans]


def materialize_range(
    settings: Settings,
    first: str,
    last: str,
    *,
    instance: dg.DagsterInstance,
    landing_dir: str | None = None,
    tags: dict[str, str] | None = None,
    selection: Sequence[str] | None = None,
    allow_empty: bool = False,
    job_name: str = NIGHTLY_JOB,
) -> dg.ExecuteInProcessResult:
    """One run of the `nightly_reconciliation` job (or `job_name`) over the nights
    first..last, in date order (or over `selection` only); raises on failure. `allow_empty`:
    a missing landing folder or file may replace stored nights with empty ones."""
    if landing_dir:
        settings = dataclasses.replace(settings, landing_dir=Path(landing_dir))
    definitions = build_definitions(settings, allow_empty=allow_empty)
    job = definitions.resolve_job_def(job_name)
    for night in (first, last):
        # A run over partition tags is not checked against the partitions by Dagster itself.
        if not job.partitions_def.has_partition_key(night):
            raise NightOutsidePartitions(
                f"Could not find a partition with key `{night}`: the nights this store can "
                f"reconcile are {partitions_range(job.partitions_def)}"
            )
    if first == last:
        partition_tags = {PARTITION_NAME_TAG: first}
    else:
        partition_tags = {
            ASSET_PARTITION_RANGE_START_TAG: first,
            ASSET_PARTITION_RANGE_END_TAG: last,
        }
    return job.execute_in_process(
        instance=instance,
        tags={**(tags or {}), **partition_tags},
        asset_selection=whole_steps(definitions, selection) if selection else None,
        run_config=QUIET_CONSOLE,
        raise_on_error=True,
    )


def whole_steps(definitions: dg.Definitions, selection: Sequence[str]) -> list[dg.AssetKey]:
    """The assets of `selection` (syntax as `dg.materialize` takes it, e.g.
    "*classified_variances") with every other table their steps write: a step that writes
    several (matched_ledger and its audit trail) always runs whole."""
    graph = definitions.resolve_asset_graph()
    selected = dg.AssetSelection.from_coercible(list(selection)).resolve(graph)
    together = {
        key
        for asset in selected
        for key in graph.get_execution_set_asset_and_check_keys(asset)
        if isinstance(key, dg.AssetKey)
    }
    return sorted(together)


def materialize_night(
    settings: Settings,
    business_date: str,
    *,
    instance: dg.DagsterInstance,
    landing_dir: str | None = None,
    tags: dict[str, str] | None = None,
    selection: Sequence[str] | None = None,
    allow_empty: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialise the graph (or `selection`) for one business date; raises on failure."""
    return materialize_range(
        settings,
        business_date,
        business_date,
        instance=instance,
        landing_dir=landing_dir,
        tags=tags,
        selection=selection,
        allow_empty=allow_empty,
    )


def materialize_nights(
    settings: Settings,
    dates: Iterable[str],
    *,
    landing_dir: str | None = None,
    backfill: bool = False,
    selection: Sequence[str] | None = None,
    tags: dict[str, str] | None = None,
    catch_up: Sequence[str] = (),
    allow_empty: bool = False,
) -> list[dg.ExecuteInProcessResult]:
    """Nights in date order, one run per span of consecutive nights (at most NIGHTS_PER_RUN):
    each night reads the open breaks the night before left.

    `catch_up`: earlier nights reconciled first, as a backfill (they never post to Slack).
    """
    dates = list(dates)
    plan = [(span, True) for span in contiguous(catch_up)] + [
        (span, backfill) for span in contiguous(dates)
    ]
    instance = dagster_instance(settings)
    results = []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as progress:
        # One run per range of nights: the bar moves a range at a time, counted in nights.
        task = progress.add_task("Reconciling", total=len(catch_up) + len(dates))
        for (first, last), quiet in plan:
            verb = "Catching up" if first in catch_up else "Reconciling"
            nights_run = first if first == last else f"{first} to {last}"
            progress.update(task, description=f"{verb} {nights_run}")
            try:
                results.append(
                    materialize_range(
                        settings,
                        first,
                        last,
                        instance=instance,
                        landing_dir=landing_dir,
                        tags={**(tags or {}), **({BACKFILL_TAG: "true"} if quiet else {})},
                        selection=selection,
                        allow_empty=allow_empty,
                    )
                )
            except Exception as err:
                raise NightFailed(nights_run, *failed_step(instance)) from err
            span = date.fromisoformat(last) - date.fromisoformat(first)
            progress.advance(task, span.days + 1)
    return results


def extract_nights(settings: Settings, first: str, last: str) -> dg.ExecuteInProcessResult:
    """One run of the `nightly_extracts` job over first..last (a Shopify backfill is then one
    bulk operation); raises NightFailed naming the extract that failed."""
    instance = dagster_instance(settings)
    span = first if first == last else f"{first} to {last}"
    try:
        return materialize_range(settings, first, last, instance=instance, job_name=EXTRACTS_JOB)
    except Exception as err:
        raise NightFailed(span, *failed_step(instance)) from err


def history_plan(settings: Settings, night: date, landing_dir: Path | None = None) -> list[str]:
    """The earlier nights to reconcile before `night` so it sees its whole history."""
    chain = nights_to_reconcile(
        build_warehouse(settings),
        landing_dir or settings.landing_dir,
        date.fromisoformat(settings.start_date),
        night,
    )
    return [d.isoformat() for d in chain[:-1]]
