"""Options the `recon` sub-commands share, in a module of their own so that the command
modules of each stage can use them without importing the whole command line."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

DateOption = Annotated[
    str, typer.Option("--date", help="Business date (YYYY-MM-DD) in RECON_TIMEZONE.")
]


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a YYYY-MM-DD date", param_hint=option) from None
