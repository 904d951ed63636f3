"""The landing folder as the Dagster resource the source assets read through (landing.py
reads and checks the files themselves, without Dagster, for `recon convert` too)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from recon_assets.sources.catalog import SourceSpec
from recon_assets.sources.currencies import allowed_currencies
from recon_assets.sources.landing import (
    LandedFile,
    check_landing_folder,
    landing_path,
    parse_landing_file,
)
from recon_assets.sources.schemas import TEXT


class LandingSource(dg.ConfigurableResource):
    """The landing folder the sources deliver their daily files into."""

    landing_dir: str
    # Where `currencies.yaml` may restrict the currencies; None: every active ISO-4217 code.
    rules_dir: str | None = None
    # Read a missing or empty landing folder, and store a night's missing file over a stored
    # delivery, as "not delivered": only when an operator says so.
    allow_empty: bool = False

    def read(self, spec: SourceSpec, business_date: str) -> LandedFile:
        if not self.allow_empty:
            check_landing_folder(Path(self.landing_dir))
        path = landing_path(Path(self.landing_dir), spec.name, business_date)
        if path is None:
            empty = pd.DataFrame(
                {
                    c: pd.Series(dtype="int64" if c in spec.int_columns else TEXT)
                    for c in spec.columns
                }
            )
            return LandedFile(spec.name, business_date, None, empty)
        currencies = allowed_currencies(Path(self.rules_dir)) if self.rules_dir else None
        return LandedFile(
            spec.name, business_date, path, parse_landing_file(path, spec, currencies)
        )
