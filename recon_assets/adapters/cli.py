"""`recon convert`: vendor exports into canonical landing files, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from recon_assets.adapters import (
    AdapterError,
    check_agreement,
    read_export,
    render_summary,
    write_export,
)
from recon_assets.adapters.config import SourcesConfigError, load_sources
from recon_assets.settings import Settings

console = Console()
errors = Console(stderr=True, soft_wrap=True, highlight=False)


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
        check_agreement(exports)
    except AdapterError as err:
        errors.print(str(err), style="red", markup=False)
        raise typer.Exit(2) from None
    for export in exports:
        console.print(render_summary(write_export(export, target)))
