"""Accepted rules that are about to stop matching (a rule stops on its `expires` date)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from recon_assets.rules import AcceptedRule, Rules


def rules_expiring(
    rules: Rules | Iterable[AcceptedRule], recon_date: date, days: int = 7
) -> list[AcceptedRule]:
    """Rules still matching on `recon_date` that stop within `days` nights, soonest first."""
    accepted = rules.accepted if isinstance(rules, Rules) else rules
    horizon = recon_date + timedelta(days=days)
    return sorted(
        (r for r in accepted if r.expires is not None and recon_date < r.expires <= horizon),
        key=lambda r: (r.expires, r.id),
    )
