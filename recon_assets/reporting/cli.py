"""`recon report` and the end of `recon demo`: plain functions that recon_assets.cli loads."""

from __future__ import annotations

from typing import Annotated

import typer

from recon_assets.cli_options import DateOption, parse_date
from recon_assets.reporting.narrative import RenderedReport
from recon_assets.reporting.slack_text import blocks_as_text
from recon_assets.reporting.store import ReportFiles, stored_report
from recon_assets.settings import Settings
from recon_assets.stored import AuditError, stored_warehouse


def load_report(settings: Settings, night: str) -> RenderedReport | None:
    """The night's report file, else the latest report kept in the warehouse."""
    report = ReportFiles(reports_dir=str(settings.reports_dir)).read(night)
    if report is not None:
        return report
    try:
        kept = stored_report(stored_warehouse(settings), night)
    except AuditError:  # no store yet: no report kept either
        return None
    return kept[0] if kept else None


def as_slack_shows_it(report: RenderedReport) -> str:
    filename = report.attachment["filename"] if report.attachment else None
    return blocks_as_text(list(report.messages), filename)


def report(
    business_date: DateOption,
    slack: Annotated[
        bool, typer.Option("--slack", help="Print it as Slack shows it instead of Markdown.")
    ] = False,
) -> None:
    """Print the stored report of a night."""
    night = parse_date(business_date, "--date").isoformat()
    found = load_report(Settings.from_env(), night)
    if found is None:
        typer.echo(f"No report is stored for {night}: run `recon run --date {night}`.", err=True)
        raise typer.Exit(2)  # the operator named a night that is not stored
    typer.echo(as_slack_shows_it(found) if slack else found.markdown, nl=False)


def print_slack_view(settings: Settings, night: str) -> None:
    """Last step of `recon demo`: the night's report exactly as Slack would show it."""
    found = load_report(settings, night)
    if found is None:
        typer.echo(f"No report is stored for {night}.", err=True)
        return
    typer.echo(f"\nThe report for {night}, as Slack shows it:\n")
    typer.echo(as_slack_shows_it(found), nl=False)
