"""`recon generate`: the sample retailer's landing files, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from recon_assets.cli_options import parse_date
from recon_assets.generator import generate as generate_retailer
from recon_assets.generator import parse_breaks
from recon_assets.settings import Settings

console = Console()


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
