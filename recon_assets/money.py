"""Money is integer minor units plus an ISO-4217 currency; the exponent is applied only here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

# The active ISO-4217 codes are those babel's CLDR data lists as legal tender in some territory
# on this date: no test (XTS, XXX), fund (BOV, CHE), precious-metal (XAU) or withdrawn (DEM)
# codes. Pinned so that no result depends on the wall clock; move it on when ISO 4217 changes.
ACTIVE_ON = date(2026, 11, 1)


@cache
def iso_currencies() -> frozenset[str]:
    """Every active ISO-4217 currency code (see ACTIVE_ON)."""
    territories = get_global("territory_currencies")
    return frozenset(
        code for t in territories for code in get_territory_currencies(t, ACTIVE_ON, tender=True)
    )


def is_currency(code: str) -> bool:
    return code in iso_currencies()


@cache
def exponent(currency: str) -> int:
    """Digits after the decimal point: JPY 0, GBP 2, BHD 3."""
    return get_currency_precision(currency)


def to_major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))


def format_money(amount_minor: int, currency: str) -> str:
    """`GBP 1,234.50`, `JPY 1,200`, `BHD 1.250`: unambiguous in a Slack line or a CSV."""
    digits = exponent(currency)
    return f"{currency} {to_major(amount_minor, currency):,.{digits}f}"


def money_text(amount_minor: int, currency: str | None) -> str:
    """Money where the currency may be unknown (a parcel with no sale): the bare number."""
    return format_money(amount_minor, currency) if currency else f"{amount_minor:,}"
