"""Which currencies the sources may deliver: `rules/currencies.yaml`, else every active code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from recon_assets.money import iso_currencies
from recon_assets.rules import load_yaml_model

CURRENCIES_FILE = "currencies.yaml"


def _active(code: str) -> str:
    if code not in iso_currencies():
        raise ValueError(f"{code!r} is not an active ISO-4217 currency code")
    return code


class Currencies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # None: every active ISO-4217 code is allowed.
    allowed: list[Annotated[str, AfterValidator(_active)]] | None = None


def allowed_currencies(rules_dir: Path | None) -> frozenset[str]:
    """The configured allow-list; every active ISO-4217 code without one."""
    path = rules_dir / CURRENCIES_FILE if rules_dir else None
    allowed = load_yaml_model(path, Currencies).allowed if path and path.exists() else None
    return iso_currencies() if allowed is None else frozenset(allowed)
