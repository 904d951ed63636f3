"""`recon exceptions`: a night's open breaks as the people downstream read them, from the
stored night alone (no Dagster, no graph)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from recon_assets.cli_options import DateOption, parse_date
from recon_assets.failures import BadInput
from recon_assets.legs import CAPTURE_VS_SETTLEMENT
from recon_assets.reconciliation.exceptions import (
    INFORMATION,
    NightNotReconciled,
    as_csv,
    as_json,
    night_breaks,
    night_information,
)
from recon_assets.rules import load_rules
from recon_assets.settings import Settings
from recon_assets.stored import AuditError, stored_warehouse

console = Console()


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


def exceptions(
    business_date: DateOption,
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.json,
) -> None:
    """Print every open break of a night, all four classes (JSON or CSV)."""
    night = parse_date(business_date, "--date")
    settings = Settings.from_env()
    owner = load_rules(settings.rules_dir).owners.owner(CAPTURE_VS_SETTLEMENT, INFORMATION)
    warehouse = stored_warehouse(settings)
    try:
        breaks = night_breaks(warehouse, night) + night_information(warehouse, night, owner)
    except (NightNotReconciled, AuditError):  # AuditError: no store yet, so no night either
        raise BadInput(str(NightNotReconciled(night))) from None
    typer.echo(as_json(breaks) if format == ExportFormat.json else as_csv(breaks), nl=False)
