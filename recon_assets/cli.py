"""`recon`: the command line of DESIGN.md section 7."""

from __future__ import annotations

import dataclasses
import os
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from recon_assets.adapters import AdapterError, read_export, render_summary, write_export
from recon_assets.adapters.config import SourcesConfigError, load_sources
from recon_assets.audit.cli import accept, rules_app, trace
from recon_assets.cli_errors import BAD_INPUT, BadInput, explain, partitions_range
from recon_assets.cli_options import DateOption, parse_date
from recon_assets.generator import generate as generate_retailer
from recon_assets.generator import parse_breaks
from recon_assets.history import HistoryIncomplete
from recon_assets.legs import CAPTURE_VS_SETTLEMENT
from recon_assets.money import format_money
from recon_assets.partitions import build_daily_partitions
from recon_assets.reconciliation.exceptions import (
    INFORMATION,
    NightNotReconciled,
    as_csv,
    as_json,
    night_breaks,
    night_information,
)
from recon_assets.reporting.cli import print_slack_view, report
from recon_assets.resources import build_resources
from recon_assets.rules import load_rules
from recon_assets.runner import history_plan, materialize_nights, nights
from recon_assets.settings import Settings, store_start_date
from recon_assets.sources.landing import check_landing_folder
from recon_assets.tags import REPOST_TAG

console = Console()
errors = Console(stderr=True, soft_wrap=True, highlight=False)
DEBUG = "recon_debug"


class OneLineErrors(TyperGroup):
    """Every command's failure ends in one line and exit code 2 (bad input) or 1 (a failure),
    said once here rather than in each command; `recon --debug` re-raises for the traceback."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):  # exits of its own
            raise
        except TyperException as err:
            # A usage error (unknown option, bad value): one line saying where the options
            # are, not typer's boxed usage. Asking for help with no arguments stays help.
            if ctx.meta.get(DEBUG) or type(err).__name__ == "NoArgsIsHelpError":
                raise
            where = getattr(err, "ctx", None) or ctx
            command = " ".join(["recon", *where.command_path.split()[1:]])
            errors.print(f"{err.format_message()}: see {command} --help", markup=False)
            raise typer.Exit(getattr(err, "exit_code", BAD_INPUT)) from None
        except Exception as err:
            if ctx.meta.get(DEBUG):
                raise
            outcome = explain(err, os.environ.get("RECON_HOME", ".recon"))
            errors.print(outcome.message, style="red", markup=False)
            raise typer.Exit(outcome.exit_code) from None


app = typer.Typer(
    cls=OneLineErrors,
    help="Nightly reconciliation of an omnichannel retailer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def global_options(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="On failure, print the full traceback.")
    ] = False,
) -> None:
    ctx.meta[DEBUG] = debug


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the landing files into.")],
    start: Annotated[str, typer.Option(help="First business date (YYYY-MM-DD).")],
    days: Annotated[int, typer.Option(min=1, help="Number of business dates.")] = 7,
    orders_per_day: Annotated[int, typer.Option(min=1, help="Web and POS sales per day.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 7,
    breaks: Annotated[
        str, typer.Option(help="'default' (every kind once), 'none', or 'kind=n,kind=n'.")
    ] = "default",
    vendor_exports: Annotated[
        Path | None,
        typer.Option(
            help="Also write the Shopify orders, Stripe, Square, ShipStation and Xero records as "
            "those vendors' exports into this folder (for `recon convert --feeds`), leaving "
            "them out of --out."
        ),
    ] = None,
) -> None:
    """Write a sample retailer's landing files plus expected_breaks.csv."""
    try:
        summary = generate_retailer(
            out,
            parse_date(start, "--start"),
            days,
            orders_per_day,
            seed,
            breaks=parse_breaks(breaks),
            timezone=Settings.from_env().timezone,
            vendor_exports=vendor_exports,
        )
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--breaks") from None
    console.print(
        f"Wrote {summary.files} landing files ({sum(summary.rows.values())} rows, "
        f"{summary.orders} orders, {sum(summary.injections.values())} injected breaks) and "
        f"expected_breaks.csv ({summary.expected_breaks} rows) into {out}"
    )
    for export in summary.vendor_exports:
        console.print(f"Wrote {export.rows} rows as a vendor export: {export.path}", soft_wrap=True)
    if summary.vendor_exports:
        console.print(
            f"Now run `recon convert --feeds {vendor_exports} --landing {out}`: the other "
            "systems' records are landing files in --out already.",
            soft_wrap=True,
        )
    if summary.skipped:
        kinds = ", ".join(f"{kind} ({n})" for kind, n in summary.skipped.items())
        console.print(
            f"Not injected, {days} night(s) are too short to show them: {kinds}", soft_wrap=True
        )


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


@app.command()
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


@app.command()
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


@app.command()
def exceptions(
    business_date: DateOption,
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.json,
) -> None:
    """Print every open break of a night, all four classes (JSON or CSV)."""
    night = parse_date(business_date, "--date")
    settings = Settings.from_env()
    warehouse = build_resources(settings)["warehouse"]
    owner = load_rules(settings.rules_dir).owners.owner(CAPTURE_VS_SETTLEMENT, INFORMATION)
    try:
        breaks = night_breaks(warehouse, night) + night_information(warehouse, night, owner)
    except NightNotReconciled as err:
        raise BadInput(str(err)) from None
    typer.echo(as_json(breaks) if format == ExportFormat.json else as_csv(breaks), nl=False)


@app.command()
def convert(
    format: Annotated[str | None, typer.Option("--format", help="Vendor export format.")] = None,
    input: Annotated[Path | None, typer.Option("--input", help="The vendor export file.")] = None,
    feeds: Annotated[
        Path | None,
        typer.Option(help="Convert every feed of rules/sources.yaml found under this folder."),
    ] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing folder to write into.")] = None,
    processor: Annotated[str | None, typer.Option(help="Processor name on its rows.")] = None,
    currency: Annotated[str | None, typer.Option(help="Book currency if not in the file.")] = None,
    order_key: Annotated[
        str | None,
        typer.Option(help="Vendor field with the order key (e.g. metadata.order_id, invoice_id)."),
    ] = None,
) -> None:
    """Convert vendor exports into canonical per-day landing files."""
    settings = Settings.from_env()
    target = landing or settings.landing_dir
    if feeds is not None:
        try:
            jobs = [
                (f.format, path, f.timezone, f.processor, f.currency, f.order_key)
                for f in load_sources(settings.rules_dir / "sources.yaml", settings.timezone)
                for path in f.files(feeds)
            ]
        except SourcesConfigError as err:
            errors.print(str(err), style="red", markup=False)
            raise typer.Exit(2) from None
    elif format and input:
        jobs = [(format, input, settings.timezone, processor, currency, order_key)]
    else:
        raise typer.BadParameter("give --format and --input, or --feeds")
    # Every export is read whole before any is written: a bad value in the last one leaves
    # the landing folder as it was.
    try:
        exports = [read_export(*job) for job in jobs]
    except AdapterError as err:
        errors.print(str(err), style="red", markup=False)
        raise typer.Exit(2) from None
    for export in exports:
        console.print(render_summary(write_export(export, target)))


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


@app.command()
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


# The audit commands (recon_assets/audit/cli.py): trace a key, accept a break, test rules.
app.command()(trace)
app.command()(accept)
app.add_typer(rules_app, name="rules")
# The stored report of a night (recon_assets/reporting/cli.py).
app.command()(report)


if __name__ == "__main__":
    app()
