"""Breaks as both the nightly classification and the audit commands read them: the most
pressing open part of a leg, the records a break's evidence names, the accepted rules that
select a break, and what each rule accepted night by night (DESIGN.md section 5, class 1).

A core module, so `recon accept` and `recon rules backtest` apply the very code the night
applied without the audit and the reconciliation packages importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from recon_assets.legs import GENUINE_ERROR, MAPPING, TIMING
from recon_assets.rules import AcceptedRule
from recon_assets.warehouse import Session, plain_records, run_sql

# When two parts of one leg are open, the one a person must act on first is the break.
CLASS_RANK = {MAPPING: 0, GENUINE_ERROR: 1, TIMING: 2}


def pick_breaks(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per (check, key): the most pressing open part."""
    open_facts = facts[facts["class"].notna()].copy()
    open_facts["_rank"] = open_facts["class"].map(CLASS_RANK)
    open_facts = open_facts.sort_values(
        ["check_name", "key", "_rank", "age_days", "part"],
        ascending=[True, True, True, False, True],
    )
    return open_facts.drop_duplicates(["check_name", "key"]).drop(columns="_rank")


def plain_selectors(rule: AcceptedRule) -> dict[str, str]:
    """The selectors a rule gives on a break's own columns (not its amount or records)."""
    given = {
        "break_id": rule.break_id,
        "check_name": rule.check,
        "key": rule.key,
        "kind": rule.kind,
        "currency": rule.currency,
    }
    return {column: want for column, want in given.items() if want is not None}


def rule_selects(
    rule: AcceptedRule, brk: Mapping[str, Any], records: list[dict[str, Any]], recon_date: date
) -> bool:
    """Every selector the rule gives, except its amount, holds; an expired rule selects
    nothing."""
    if rule.expires is not None and recon_date >= rule.expires:
        return False
    if any(brk.get(column) != want for column, want in plain_selectors(rule).items()):
        return False
    if rule.record:
        wanted = {k: str(v) for k, v in rule.record.items()}
        return any(all(str(r["fields"].get(k)) == v for k, v in wanted.items()) for r in records)
    return True


def rule_matches(
    rule: AcceptedRule, brk: Mapping[str, Any], records: list[dict[str, Any]], recon_date: date
) -> bool:
    """The rule selects the break and its money at stake is within the rule's amount."""
    amount = brk.get("amount_minor") or 0
    return rule_selects(rule, brk, records, recon_date) and (
        rule.amount_minor is None or rule.amount_minor.contains(amount)
    )


def evidence_records(evidence: str) -> list[dict[str, Any]]:
    """The source records of a break's evidence JSON, without the count of the records left
    out past the cap (sql/reconciliation/evidence.sql)."""
    return [entry for entry in json.loads(evidence) if "record_id" in entry]


def rule_hits(session: Session, recon_date: date) -> dict[str, dict[str, Any]]:
    """Per accepted rule: hits tonight, break-nights accepted up to tonight, last night hit."""
    frame = run_sql(session, "audit/rule_hits", {"recon_date": recon_date})
    return {
        row["rule_id"]: {k: v for k, v in row.items() if k != "rule_id"}
        for row in plain_records(frame)
    }
