"""Materialising nights outside the UI (the CLI and the demo), on the same Dagster instance."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from rich.progress import Progress

from recon_assets.definitions import all_asset_checks, all_assets
from recon_assets.history import nights_to_reconcile
from recon_assets.resources import build_resources, build_warehouse
from recon_assets.settings import Settings
from recon_assets.tags import BACKFILL_TAG

# The command line shows progress and results, and a failure in one line (recon_assets/
# cli_errors.py); Dagster's step logs, tracebacks included, stay in the run record.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class NightFailed(RuntimeError):
    """A night's run failed at `step`; the step's own exception is the `__cause__`."""

    def __init__(self, night: str, step: str, run_id: str | None):
        super().__init__(f"reconciling {night} failed at step {step}")
        self.night, self.step, self.run_id = night, step, run_id


def failed_step(instance: dg.DagsterInstance, night: str) -> tuple[str, str | None]:
    """The first failed step of the night's latest run, and that run's id."""
    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": night}), limit=1)
    if not runs:
        return "the start of the run", None
    failures = instance.get_records_for_run(
        runs[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE
    ).records
    step = failures[0].event_log_entry.step_key if failures else None
    return step or "the start of the run", runs[0].run_id


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """`$DAGSTER_HOME`, or `$RECON_HOME/dagster`, so `make dev` shows the CLI's runs too."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # No usage statistics leave a retailer's machine unless someone opts in.
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


def nights(start: date, end: date) -> list[str]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def materialize_night(
    settings: Settings,
    business_date: str,
    *,
    instance: dg.DagsterInstance,
    landing_dir: str | None = None,
    tags: dict[str, str] | None = None,
    selection: Sequence[str] | None = None,
    allow_empty: bool = False,
) -> dg.ExecuteInJobResult:
    """Materialise the graph (or `selection`) for one business date; raises on failure."""
    return dg.materialize(
        [*all_assets, *all_asset_checks],
        partition_key=business_date,
        resources=build_resources(settings, landing_dir=landing_dir, allow_empty=allow_empty),
        instance=instance,
        tags=tags,
        selection=list(selection) if selection else None,
        run_config=QUIET_CONSOLE,
        raise_on_error=True,
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
) -> list[dg.ExecuteInJobResult]:
    """Nights in date order: each night reads the open breaks the night before left.

    `catch_up`: earlier nights reconciled first, as a backfill (they never post to Slack).
    """
    plan = [(night, True) for night in catch_up] + [(night, backfill) for night in dates]
    instance = dagster_instance(settings)
    results = []
    with Progress(transient=True) as progress:
        task = progress.add_task("Reconciling", total=len(plan))
        for night, quiet in plan:
            verb = "Catching up" if night in catch_up else "Reconciling"
            progress.update(task, description=f"{verb} {night}")
            try:
                results.append(
                    materialize_night(
                        settings,
                        night,
                        instance=instance,
                        landing_dir=landing_dir,
                        tags={**(tags or {}), **({BACKFILL_TAG: "true"} if quiet else {})},
                        selection=selection,
                        allow_empty=allow_empty,
                    )
                )
            except Exception as err:
                raise NightFailed(night, *failed_step(instance, night)) from err
            progress.advance(task)
    return results


def history_plan(settings: Settings, night: date, landing_dir: Path | None = None) -> list[str]:
    """The earlier nights to reconcile before `night` so it sees its whole history."""
    chain = nights_to_reconcile(
        build_warehouse(settings),
        landing_dir or settings.landing_dir,
        date.fromisoformat(settings.start_date),
        night,
    )
    return [d.isoformat() for d in chain[:-1]]
