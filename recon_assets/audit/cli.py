"""`recon trace`, and what the audit commands share (recon_assets/audit/rules_cli.py has
`recon accept` and `recon rules ...`): a trace loads no rules, no Dagster and no graph."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from recon_assets.audit.trace import print_trace, trace_key
from recon_assets.failures import BAD_INPUT, RulesError
from recon_assets.settings import Settings
from recon_assets.stored import AuditError, audit_session

console = Console()


class Format(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="Rich tables or JSON.")]


@contextmanager
def refusals() -> Iterator[None]:
    """A question the stores or rules cannot answer ends the command with its reason, exit
    code 2 (bad input: a break or key not stored, a rules file that cannot be used)."""
    try:
        yield
    except (AuditError, RulesError) as err:
        console.print(f"[bold red]{err}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None


def trace(
    key: Annotated[
        str, typer.Argument(help="Order id, psp reference, payout id or POS:<store>:<date>.")
    ],
    output: FormatOption = Format.table,
) -> None:
    """Every record of an order (or payment, payout, store-day) in every system, night by night."""
    with refusals(), audit_session(Settings.from_env()) as session:
        found = trace_key(session, key)
    if output is Format.json:
        typer.echo(found.to_json())
    else:
        print_trace(found, console)
