"""`recon accept` and `recon rules ...`: accepted rules written, backtested and listed."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from recon_assets.audit.accept import accept_break
from recon_assets.audit.backtest import RuleBacktest, backtest, rules_from_file, stored_breaks
from recon_assets.audit.cli import Format, FormatOption, console, refusals
from recon_assets.audit.expiry import rules_expiring
from recon_assets.money import format_money
from recon_assets.rules import load_accepted_policy, load_rules
from recon_assets.settings import Settings
from recon_assets.stored import AuditError, audit_session

rules_app = typer.Typer(
    help="Accepted rules: backtest them on the stored nights, list those about to expire.",
    no_args_is_help=True,
)


class Scope(StrEnum):
    break_ = "break"
    pattern = "pattern"


DateText = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"])]


def accept(
    break_id: Annotated[str, typer.Argument(help="The break to accept (brk_...).")],
    reason: Annotated[str, typer.Option(help="Why this break is fine: the rule's reason.")],
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Expiry: the rule stops matching on this date."),
    ] = None,
    scope: Annotated[
        Scope, typer.Option(help="break: this break only; pattern: every break like it.")
    ] = Scope.break_,
    owner: Annotated[
        str | None, typer.Option(help="Owner of the rule (default: the break's).")
    ] = None,
) -> None:
    """Write an accepted rule for a break into rules/accepted/ and print it."""
    settings = Settings.from_env()
    with refusals(), audit_session(settings) as session:
        written = accept_break(
            session,
            settings.rules_dir,
            break_id,
            reason=reason,
            scope=scope.value,
            until=until.date() if until else None,
            owner=owner,
        )
    console.print(f"Wrote [bold]{written.path}[/]:")
    console.print(Syntax(written.text, "yaml", theme="ansi_dark", background_color="default"))
    if written.rule.expires is None:
        console.print("[yellow]No --until: this rule never expires.[/]")
    console.print(
        f"Backtest it before review: recon rules test {written.path} "
        f"--start <date> --end {written.recon_date}"
    )


def _backtest_table(result: RuleBacktest) -> Table:
    table = Table(
        title=f"{result.rule.id}  ({result.source})", title_justify="left", show_footer=False
    )
    for column in ("night", "breaks it accepts", "money", "newly hidden"):
        table.add_column(column, justify="left" if column == "night" else "right")
    for night in result.nights:
        money = ", ".join(format_money(v, c) for c, v in night["money_minor"].items() if c)
        table.add_row(night["recon_date"], str(night["breaks"]), money, str(night["newly_hidden"]))
    return table


def _print_backtest(results: list[RuleBacktest]) -> None:
    for result in results:
        console.print(_backtest_table(result))
        money = ", ".join(format_money(v, c) for c, v in result.money_minor.items() if c) or "none"
        console.print(
            f"  {result.breaks_accepted} break-night(s), distinct breaks' money {money}; "
            f"genuine errors accepted: {result.genuine_hit} of {result.genuine_total}."
        )
        if result.newly_hidden:
            hidden = Table(title="Breaks it would newly hide", title_justify="left")
            for column in ("break", "check", "key", "class today", "nights", "amount"):
                hidden.add_column(column)
            for b in result.newly_hidden:
                amount = (
                    format_money(b["amount_minor"] or 0, b["currency"]) if b["currency"] else ""
                )
                nights = f"{b['first_night']} to {b['last_night']}"
                hidden.add_row(b["break_id"], b["check_name"], b["key"], b["class"], nights, amount)
            console.print(hidden)
        if result.refused:
            for refusal in result.refusals:
                console.print(f"  [bold red]REFUSED[/] {result.rule.id}: {refusal}")
        else:
            console.print(f"  [green]OK[/] {result.rule.id} is within the policy.")


@rules_app.command("test")
def rules_test(
    start: DateText,
    end: DateText,
    rule_file: Annotated[
        Path | None,
        typer.Argument(help="A rules file to test (default: every file of rules/accepted/)."),
    ] = None,
    output: FormatOption = Format.table,
) -> None:
    """Backtest accepted rules on the stored nights from --start to --end; changes nothing.

    Exits non-zero when a rule would accept more than the policy's share of genuine errors
    or any break above its amount cap (rules/accepted_policy.yaml).
    """
    settings = Settings.from_env()
    with refusals():
        if end < start:
            raise AuditError(f"--end {end.date()} is before --start {start.date()}")
        if rule_file is not None:
            rules = rules_from_file(rule_file)
        else:
            loaded = load_rules(settings.rules_dir)
            rules = [(r, loaded.accepted_files[r.id]) for r in loaded.accepted]
        if not rules:
            raise AuditError(f"no accepted rules to test in {settings.rules_dir / 'accepted'}")
        policy = load_accepted_policy(settings.rules_dir)
        with audit_session(settings) as session:
            breaks = stored_breaks(session, start.date(), end.date())
        results = backtest(breaks, rules, policy)
    if output is Format.json:
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2, default=str))
    else:
        _print_backtest(results)
    refused = [r.rule.id for r in results if r.refused]
    if refused:
        if output is Format.table:
            console.print(f"[bold red]{len(refused)} rule(s) refused:[/] {', '.join(refused)}")
        raise typer.Exit(1)


@rules_app.command("expiring")
def rules_expiring_command(
    days: Annotated[int, typer.Option(min=0, help="Look this many nights ahead.")] = 7,
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="As of this night (default today)."),
    ] = None,
) -> None:
    """Accepted rules that stop matching within --days nights."""
    night = on.date() if on else date.today()
    with refusals():
        rules = load_rules(Settings.from_env().rules_dir)
    soon = rules_expiring(rules, night, days)
    if not soon:
        console.print(f"No accepted rule expires within {days} night(s) of {night}.")
    for rule in soon:
        console.print(
            f"{rule.id}: stops matching on {rule.expires} ({rules.accepted_files[rule.id]})"
        )
