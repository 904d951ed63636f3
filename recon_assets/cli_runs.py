"""`recon run`, `recon backfill`, `recon extract` and `recon demo`: the commands that
materialise the graph, the only ones that load Dagster and the asset definitions."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from recon_assets.cli_errors import BadInput
from recon_assets.cli_options import DateOption, parse_date
from recon_assets.extracts.assets import api_feeds
from recon_assets.generator import generate as generate_retailer
from recon_assets.history import HistoryIncomplete
from recon_assets.money import format_money
from recon_assets.partitions import build_daily_partitions, partitions_range
from recon_assets.reconciliation.exceptions import night_breaks
from recon_assets.reporting.cli import print_slack_view
from recon_assets.resources import build_resources, configured_feeds
from recon_assets.runner import extract_nights, history_plan, materialize_nights, nights
from recon_assets.settings import Settings, store_start_date
from recon_assets.sources.landing import check_landing_folder
from recon_assets.tags import REPOST_TAG

console = Console()


def refuse_nights_outside(settings: Settings, first: date, last: date) -> None:
    """Dates the store has no partition for, said before any run starts."""
    partitions = build_daily_partitions(settings)
    for night in (first, last):
        if not partitions.has_partition_key(night.isoformat()):
            raise BadInput(
                f"{night} is not a night this store can reconcile: the nights are "
                f"{partitions_range(partitions)}"
            )


def catch_up_plan(
    settings: Settings, night: date, landing: Path | None, allowed: bool, allow_empty: bool
) -> list[str]:
    """Earlier nights to reconcile first; exits 2 with one line when that cannot be, or may
    not be done (--no-catch-up). A wrong landing folder is refused first (not seven missing
    deliveries and a catch-up of nights it does not hold)."""
    if not allow_empty:
        check_landing_folder(landing or settings.landing_dir)
    try:
        plan = history_plan(settings, night, landing)
    except HistoryIncomplete as err:
        console.print(f"[red]Cannot reconcile {night}: {err}.[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    if plan and not allowed:
        console.print(
            f"[red]Cannot reconcile {night} without its history: {plan[0]} is not reconciled "
            f"with the current landing files ({plan[0]} to {plan[-1]}, {len(plan)} night(s)); "
            "run without --no-catch-up to reconcile them first.[/red]",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if plan:
        console.print(f"Catching up {len(plan)} earlier night(s) first: {plan[0]} to {plan[-1]}.")
    return plan


CatchUpOption = Annotated[
    bool,
    typer.Option(
        "--catch-up/--no-catch-up",
        help="Reconcile first every earlier night not reconciled with the current files "
        "(default), or refuse.",
    ),
]
AllowEmptyOption = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="Read a missing or empty landing folder, and a night's missing file in place of "
        "a stored delivery, as 'not delivered'.",
    ),
]


def run(
    business_date: DateOption,
    landing: Annotated[Path | None, typer.Option(help="Landing folder to read.")] = None,
    repost: Annotated[
        bool, typer.Option("--repost", help="Post the night's Slack report again.")
    ] = False,
    catch_up: CatchUpOption = True,
    allow_empty: AllowEmptyOption = False,
) -> None:
    """Materialise the whole graph for one night, reading only files dated up to it."""
    night = parse_date(business_date, "--date")
    settings = Settings.from_env()
    refuse_nights_outside(settings, night, night)
    plan = catch_up_plan(settings, night, landing, catch_up, allow_empty)
    materialize_nights(
        settings,
        [night.isoformat()],
        landing_dir=str(landing) if landing else None,
        tags={REPOST_TAG: "true"} if repost else None,
        catch_up=plan,
        allow_empty=allow_empty,
    )
    console.print(f"Reconciled {night}.")


def backfill(
    start: Annotated[str, typer.Option(help="First business date.")],
    end: Annotated[str, typer.Option(help="Last business date (inclusive).")],
    landing: Annotated[Path | None, typer.Option(help="Landing folder to read.")] = None,
    catch_up: CatchUpOption = True,
    allow_empty: AllowEmptyOption = False,
) -> None:
    """Materialise a range of nights in order, without posting to Slack."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if last < first:
        raise typer.BadParameter(f"{last} is before --start {first}", param_hint="--end")
    dates = nights(first, last)
    settings = Settings.from_env()
    refuse_nights_outside(settings, first, last)
    plan = catch_up_plan(settings, first, landing, catch_up, allow_empty)
    materialize_nights(
        settings,
        dates,
        landing_dir=str(landing) if landing else None,
        backfill=True,
        catch_up=plan,
        allow_empty=allow_empty,
    )
    console.print(f"Reconciled {len(dates)} night(s), {dates[0]} to {dates[-1]}.")


def extract(
    start: Annotated[str, typer.Option(help="First business date.")],
    end: Annotated[str | None, typer.Option(help="Last business date (default --start).")] = None,
) -> None:
    """Pull nights from the vendors' APIs into the landing files.

    The feeds via api in rules/sources.yaml; the nightly_extracts schedule does it at 01:00
    for yesterday."""
    first = parse_date(start, "--start")
    last = parse_date(end, "--end") if end else first
    if last < first:
        raise typer.BadParameter(f"{last} is before --start {first}", param_hint="--end")
    settings = Settings.from_env()
    feeds = api_feeds(configured_feeds(settings))
    if not feeds:
        raise BadInput(
            f"no feed of {settings.rules_dir / 'sources.yaml'} is via api: nothing to extract"
        )
    refuse_nights_outside(settings, first, last)
    extract_nights(settings, first.isoformat(), last.isoformat())
    formats = ", ".join(f.format for f in feeds)
    console.print(f"Extracted {formats} for {first} to {last} into {settings.landing_dir}.")


def exceptions_summary(breaks: list[dict], night: date) -> Table:
    """Counts and money per check and class: what the demo shows of a night."""
    table = Table(title=f"Open breaks on {night}")
    for column in ("check", "class", "breaks", "money at stake"):
        table.add_column(column, justify="right" if column == "breaks" else "left")
    groups: dict[tuple[str, str], list[dict]] = {}
    for brk in breaks:
        groups.setdefault((brk["check"], brk["class"]), []).append(brk)
    for (check, klass), items in sorted(groups.items()):
        money: dict[str, int] = {}
        for brk in items:
            if brk["currency"]:  # a parcel with no sale has no money attached
                money[brk["currency"]] = money.get(brk["currency"], 0) + brk["amount_minor"]
        amounts = ", ".join(format_money(v, c) for c, v in sorted(money.items()))
        table.add_row(check, klass, str(len(items)), amounts)
    return table


def demo(
    days: Annotated[int, typer.Option(min=1, help="How many past nights to generate.")] = 7,
    orders_per_day: Annotated[int, typer.Option(min=1)] = 40,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Generate a sample retailer's last nights into RECON_HOME and reconcile them."""
    yesterday = date.today() - timedelta(days=1)
    start = yesterday - timedelta(days=days - 1)
    # The sample retailer's history starts with the demo: its first night is the first one.
    settings = dataclasses.replace(Settings.from_env(), start_date=start.isoformat())
    # Kept in RECON_HOME, so `make dev` afterwards starts its partitions there too.
    store_start_date(settings.home, settings.start_date)
    summary = generate_retailer(
        settings.landing_dir, start, days, orders_per_day, seed, timezone=settings.timezone
    )
    console.print(
        f"Generated {summary.orders} orders over {days} nights, "
        f"{sum(summary.injections.values())} injected breaks, into {settings.landing_dir}"
    )
    materialize_nights(settings, nights(start, yesterday), backfill=True)
    console.print(f"Reconciled {days} night(s), {start} to {yesterday}: {settings.duckdb_path}")
    breaks = night_breaks(build_resources(settings)["warehouse"], yesterday)
    console.print(exceptions_summary(breaks, yesterday))
    print_slack_view(settings, yesterday.isoformat())
