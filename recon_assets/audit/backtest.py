"""`recon rules test`: what accepted rules would do to the stored nights, changing nothing.

Each rule is applied on its own (breaks.rule_matches, the nightly code) to every stored
break of the nights tested, with the break's evidence for its record selectors. A rule is
refused when it would hide too many genuine errors or any break above its amount cap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from recon_assets.breaks import evidence_records, pick_breaks, rule_matches
from recon_assets.legs import GENUINE_ERROR, KNOWN_ACCEPTED
from recon_assets.money import format_money
from recon_assets.rules import AcceptedFile, AcceptedPolicy, AcceptedRule, load_yaml_model
from recon_assets.stored import AuditError
from recon_assets.warehouse import Session, plain_records, run_sql


@dataclass
class RuleBacktest:
    rule: AcceptedRule
    source: str  # the file the rule came from
    nights: list[dict[str, Any]] = field(default_factory=list)  # per night tested
    newly_hidden: list[dict[str, Any]] = field(default_factory=list)  # per break
    money_minor: dict[str, int] = field(default_factory=dict)  # distinct breaks, per currency
    genuine_hit: int = 0  # genuine errors of the nights tested it would accept
    genuine_total: int = 0
    over_cap: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def breaks_accepted(self) -> int:
        return sum(n["breaks"] for n in self.nights)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.model_dump(mode="json", exclude_none=True),
            "file": self.source,
            "nights": self.nights,
            "money_minor": self.money_minor,
            "genuine_errors_accepted": self.genuine_hit,
            "genuine_errors_in_range": self.genuine_total,
            "newly_hidden": self.newly_hidden,
            "over_cap": self.over_cap,
            "refused": self.refused,
            "refusals": self.refusals,
        }


def rules_from_file(path: Path) -> list[tuple[AcceptedRule, str]]:
    return [(rule, str(path)) for rule in load_yaml_model(path, AcceptedFile).rules]


def stored_breaks(session: Session, start: date, end: date) -> pd.DataFrame:
    """The nights' breaks with `underlying_class`: their class had no rule accepted them."""
    params = {"start": start, "end": end}
    breaks = run_sql(session, "audit/backtest_breaks", params)
    if breaks.empty:
        raise AuditError(f"no stored night between {start} and {end} has any break to test on")
    open_legs = run_sql(session, "audit/backtest_open_legs", params)
    # The engine's own choice of the most pressing open part, night by night.
    picked = [pick_breaks(legs) for _, legs in open_legs.groupby("recon_date", sort=True)]
    underlying = pd.concat([open_legs.iloc[:0], *picked], ignore_index=True)[
        ["recon_date", "check_name", "key", "class"]
    ]
    breaks = breaks.merge(
        underlying.rename(columns={"class": "underlying_class"}),
        on=["recon_date", "check_name", "key"],
        how="left",
    )
    breaks["underlying_class"] = breaks["underlying_class"].fillna(breaks["class"])
    return breaks


def backtest(
    breaks: pd.DataFrame,
    rules: list[tuple[AcceptedRule, str]],
    policy: AcceptedPolicy,
) -> list[RuleBacktest]:
    """Each rule on its own against the stored breaks; every number comes from the nights."""
    rows = plain_records(breaks.drop(columns=["evidence"]))
    evidence = breaks["evidence"].tolist()
    parsed: dict[int, list[dict[str, Any]]] = {}
    nights = sorted(dict.fromkeys(r["recon_date"] for r in rows))
    genuine = {r["break_id"] for r in rows if r["underlying_class"] == GENUINE_ERROR}
    results = []
    for rule, source in rules:
        result = RuleBacktest(rule=rule, source=source, genuine_total=len(genuine))
        per_night: dict[str, dict[str, Any]] = {
            n: {"recon_date": n, "breaks": 0, "newly_hidden": 0, "money_minor": {}} for n in nights
        }
        hidden: dict[str, dict[str, Any]] = {}
        latest: dict[str, dict[str, Any]] = {}
        genuine_hits: set[str] = set()
        for i, row in enumerate(rows):
            if rule.record and i not in parsed:
                parsed[i] = evidence_records(evidence[i])
            night = date.fromisoformat(row["recon_date"])
            if not rule_matches(rule, row, parsed.get(i, []), night):
                continue
            tally = per_night[row["recon_date"]]
            tally["breaks"] += 1
            currency, amount = row["currency"] or "", row["amount_minor"] or 0
            tally["money_minor"][currency] = tally["money_minor"].get(currency, 0) + amount
            latest[row["break_id"]] = row
            if row["class"] != KNOWN_ACCEPTED:
                tally["newly_hidden"] += 1
                hidden.setdefault(row["break_id"], {**row, "first_night": row["recon_date"]})
                hidden[row["break_id"]].update(last_night=row["recon_date"])
            if row["underlying_class"] == GENUINE_ERROR:
                genuine_hits.add(row["break_id"])
            cap = policy.cap_for(rule.id, row["currency"])
            if cap is not None and amount > cap:
                result.over_cap.append({**row, "cap_minor": cap})
        result.nights = list(per_night.values())
        result.newly_hidden = sorted(hidden.values(), key=lambda b: (b["first_night"], b["key"]))
        money: dict[str, int] = defaultdict(int)
        for row in latest.values():
            money[row["currency"] or ""] += row["amount_minor"] or 0
        result.money_minor = dict(sorted(money.items()))
        result.genuine_hit = len(genuine_hits)
        share = Fraction(policy.genuine_share_for(rule.id))
        hit, total = result.genuine_hit, result.genuine_total
        if total and Fraction(hit, total) > share:
            result.refusals.append(
                f"it would accept {hit} of the {total} genuine errors of these nights "
                f"({hit / total:.1%}), more than the {float(share):.1%} allowed"
            )
        if result.over_cap:
            worst = max(result.over_cap, key=lambda b: b["amount_minor"])
            result.refusals.append(
                f"it would accept {len(result.over_cap)} break-night(s) above the amount cap, "
                f"the largest {worst['break_id']} ({worst['check_name']} {worst['key']}) of "
                f"{format_money(worst['amount_minor'], worst['currency'])} over a cap of "
                f"{format_money(worst['cap_minor'], worst['currency'])}"
            )
        results.append(result)
    return results
