"""`recon`: the command line of DESIGN.md section 7.

Each command is written beside its stage and imported only when it runs, so `recon --help`
and the commands that read what is stored (trace, exceptions, report, accept, rules,
convert) never load Dagster or the asset graph and answer at once; run, backfill and demo
load the graph they materialise. recon_assets_tests/test_cli_imports.py keeps it so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Annotated, NoReturn

import click
import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import TyperException

from recon_assets.failures import BAD_INPUT
from recon_assets.settings import recon_home

errors = Console(stderr=True, soft_wrap=True, highlight=False)
DEBUG = "recon_debug"


@dataclass(frozen=True)
class Command:
    """Where a command is written (a function, or a Typer of sub-commands) and the line
    `recon --help` lists it with: the first line of its own help (a test keeps them equal)."""

    module: str
    attribute: str
    summary: str

    def load(self, name: str) -> click.Command:
        target = getattr(importlib.import_module(self.module), self.attribute)
        if not isinstance(target, typer.Typer):  # one command, written as a function
            function, target = target, typer.Typer()
            target.command(name=name)(function)
        command = typer.main.get_command(target)
        command.name = name
        return command


COMMANDS = {
    "generate": Command(
        "recon_assets.generator.cli",
        "generate",
        "Write a sample retailer's landing files plus expected_breaks.csv.",
    ),
    "run": Command(
        "recon_assets.cli_runs",
        "run",
        "Materialise the whole graph for one night, reading only files dated up to it.",
    ),
    "backfill": Command(
        "recon_assets.cli_runs",
        "backfill",
        "Materialise a range of nights in order, without posting to Slack.",
    ),
    "extract": Command(
        "recon_assets.cli_runs",
        "extract",
        "Pull nights from the vendors' APIs into the landing files.",
    ),
    "exceptions": Command(
        "recon_assets.reconciliation.cli",
        "exceptions",
        "Print every open break of a night, all four classes (JSON or CSV).",
    ),
    "convert": Command(
        "recon_assets.adapters.cli",
        "convert",
        "Convert vendor exports into canonical per-day landing files.",
    ),
    "demo": Command(
        "recon_assets.cli_runs",
        "demo",
        "Generate a sample retailer's last nights into RECON_HOME and reconcile them.",
    ),
    "trace": Command(
        "recon_assets.audit.cli",
        "trace",
        "Every record of an order (or payment, payout, store-day) in every system, night by night.",
    ),
    "accept": Command(
        "recon_assets.audit.rules_cli",
        "accept",
        "Write an accepted rule for a break into rules/accepted/ and print it.",
    ),
    "rules": Command(
        "recon_assets.audit.rules_cli",
        "rules_app",
        "Accepted rules: backtest them on the stored nights, list those about to expire.",
    ),
    "report": Command(
        "recon_assets.reporting.cli", "report", "Print the stored report of a night."
    ),
}


def usage_error(err: TyperException, ctx: click.Context) -> NoReturn:
    """A usage error (unknown option, bad value): one line saying where the options are, not
    typer's boxed usage. Asking for help with no arguments stays help."""
    if type(err).__name__ == "NoArgsIsHelpError":
        raise err
    where = getattr(err, "ctx", None) or ctx
    command = " ".join(["recon", *where.command_path.split()[1:]])
    errors.print(f"{err.format_message()}: see {command} --help", markup=False)
    raise typer.Exit(getattr(err, "exit_code", BAD_INPUT)) from None


class Recon(TyperGroup):
    """The `recon` group: commands are imported when run (the listing needs only their
    names and summaries), and every command's failure ends in one line and exit code 2 (bad
    input) or 1 (a failure), said once here rather than in each command; `recon --debug`
    re-raises for the traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        return found.load(cmd_name) if found else None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listing = TyperGroup(
            name=self.name,
            commands={
                name: click.Command(name, short_help=command.summary)
                for name, command in COMMANDS.items()
            },
            params=self.params,
            help=self.help,
            no_args_is_help=self.no_args_is_help,
            rich_markup_mode=self.rich_markup_mode,
        )
        listing.format_help(ctx, formatter)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except TyperException as err:  # a mistake in recon's own options (`recon --bogus`)
            usage_error(err, ctx)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):  # exits of its own
            raise
        except TyperException as err:
            if ctx.meta.get(DEBUG):
                raise
            usage_error(err, ctx)
        except Exception as err:
            if ctx.meta.get(DEBUG):
                raise
            # Loaded when something failed: it knows DuckDB's errors, which `--help` need not.
            from recon_assets.cli_errors import explain

            outcome = explain(err, str(recon_home()))
            errors.print(outcome.message, style="red", markup=False)
            raise typer.Exit(outcome.exit_code) from None


app = typer.Typer(
    cls=Recon,
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


if __name__ == "__main__":
    app()
