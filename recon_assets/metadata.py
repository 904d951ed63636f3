"""Asset metadata as a person reads it in the Dagster UI: one number per entry (Dagster plots
each one night by night), money with its currency, and the top breaks as a Markdown table.

Plotted money is in major units (GBP 3,388.89 is 3388.89): the UI cannot plot text, and these
figures are only read, never fed back into a result, which keeps integer minor units.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import pandas as pd

from recon_assets.legs import CLASSES, GENUINE_ERROR, MAPPING
from recon_assets.money import money_text, to_major

TOP_BREAKS = 10
REASON_CHARS = 160


def plotted_money(amount_minor: int, currency: str) -> dg.FloatMetadataValue:
    return dg.MetadataValue.float(float(to_major(amount_minor, currency)))


def money_metadata(totals: Mapping[str, Mapping[str, int]]) -> dict[str, dg.MetadataValue]:
    """A source's Σ of each money column per currency: `amount_minor GBP` = 3388.89."""
    return {
        f"{column} {currency}": plotted_money(amount, currency)
        for currency, columns in sorted(totals.items())
        for column, amount in columns.items()
    }


def breaks_metadata(breaks: pd.DataFrame) -> dict[str, dg.MetadataValue | int]:
    """Counts per class and money at stake per currency and class, as separate numbers, and
    the breaks that need a person, largest first, as a table."""
    metadata: dict[str, dg.MetadataValue | int] = {
        f"breaks {klass}": int((breaks["class"] == klass).sum()) for klass in CLASSES
    }
    priced = breaks[breaks["currency"].notna()]
    stake = priced.groupby(["currency", "class"])["amount_minor"].sum().sort_index()
    for (currency, klass), amount in stake.items():
        metadata[f"at stake {klass} {currency}"] = plotted_money(int(amount), str(currency))
    metadata["top breaks"] = dg.MetadataValue.md(top_breaks_markdown(breaks))
    return metadata


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def top_breaks_markdown(breaks: pd.DataFrame, limit: int = TOP_BREAKS) -> str:
    """The genuine errors and mapping breaks with the most money at stake (within each
    currency: there are no exchange rates to rank across currencies)."""
    person = breaks[breaks["class"].isin([GENUINE_ERROR, MAPPING])]
    if person.empty:
        return "No break needs a person tonight."
    ranked = person.assign(_amount=person["amount_minor"].fillna(0)).sort_values(
        ["_amount", "break_id"], ascending=[False, True]
    )
    # Each currency's largest first, then each one's second largest, and so on.
    ranked = ranked.assign(_rank=ranked.groupby("currency", dropna=False).cumcount())
    ranked = ranked.sort_values(["_rank", "_amount"], ascending=[True, False], kind="stable")
    rows = [_row(b) for b in ranked.head(limit).to_dict("records")]
    more = len(person) - limit
    tail = f"\n\n{more} more in `recon exceptions`." if more > 0 else ""
    header = ["| money at stake | check | class | key | owner | age | reason |", "|---" * 7 + "|"]
    return "\n".join([*header, *rows]) + tail


def _row(b: dict) -> str:
    currency = None if pd.isna(b["currency"]) else b["currency"]
    money = "" if pd.isna(b["amount_minor"]) else money_text(int(b["amount_minor"]), currency)
    reason = str(b["reason"])
    if len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 1] + "…"
    cells = (money, b["check_name"], b["class"], b["key"], b["owner"], f"{b['age_days']} d", reason)
    return "| " + " | ".join(_cell(c) for c in cells) + " |"
