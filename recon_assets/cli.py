"""`recon`: the command line of DESIGN.md section 7."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from recon_assets.runner import materialize_nights, nights
from recon_assets.settings import Settings

app = typer.Typer(
    help="Nightly reconciliation of an omnichannel retailer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

DateOption = Annotated[
    str, typer.Option("--date", help="Business date (YYYY-MM-DD) in RECON_TIMEZONE.")
]


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a YYYY-MM-DD date", param_hint=option) from None


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
) -> None:
    """Write a sample retailer's landing files plus expected_breaks.csv."""
    from recon_assets.generator import generate as generate_retailer
    from recon_assets.generator import parse_breaks

    summary = generate_retailer(
        out,
        _parse_date(start, "--start"),
        days,
        orders_per_day,
        seed,
        breaks=parse_breaks(breaks),
        timezone=Settings.from_env().timezone,
    )
    console.print(summary)


@app.command()
def run(
    business_date: DateOption,
    landing: Annotated[Path | None, typer.Option(help="Landing folder to read.")] = None,
) -> None:
    """Materialise the whole graph for one night, reading only files dated up to it."""
    night = _parse_date(business_date, "--date").isoformat()
    materialize_nights(Settings.from_env(), [night], landing_dir=str(landing) if landing else None)
    console.print(f"Reconciled {night}.")


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First business date.")],
    end: Annotated[str, typer.Option(help="Last business date (inclusive).")],
    landing: Annotated[Path | None, typer.Option(help="Landing folder to read.")] = None,
) -> None:
    """Materialise a range of nights in order, without posting to Slack."""
    dates = nights(_parse_date(start, "--start"), _parse_date(end, "--end"))
    materialize_nights(
        Settings.from_env(), dates, landing_dir=str(landing) if landing else None, backfill=True
    )
    console.print(f"Reconciled {len(dates)} night(s), {dates[0]} to {dates[-1]}.")


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=1, help="How many past nights to generate.")] = 7,
    orders_per_day: Annotated[int, typer.Option(min=1)] = 40,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Generate a sample retailer's last nights into RECON_HOME and reconcile them."""
    from recon_assets.generator import generate as generate_retailer

    settings = Settings.from_env()
    yesterday = date.today() - timedelta(days=1)
    start = yesterday - timedelta(days=days - 1)
    summary = generate_retailer(
        settings.landing_dir, start, days, orders_per_day, seed, timezone=settings.timezone
    )
    console.print(f"Generated {summary} into {settings.landing_dir}")
    materialize_nights(settings, nights(start, yesterday), backfill=True)
    console.print(f"Reconciled {days} night(s), {start} to {yesterday}: {settings.duckdb_path}")


if __name__ == "__main__":
    app()
