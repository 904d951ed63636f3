"""Turns tonight's open legs into classified breaks (DESIGN.md section 5), deterministically.

Pure functions over data frames: the SQL has already compared every leg and given each a
kind and a provisional class (mapping, timing or genuine_error); here a key gets at most one
break per leg, accepted rules turn breaks into known_accepted, and every break gets its id,
owner, first night, money at stake, evidence and sentence.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from recon_assets.breaks import evidence_records, pick_breaks, rule_selects
from recon_assets.legs import (
    KNOWN_ACCEPTED,
    LEGS_BY_CHECK,
    MAPPING_KINDS,
    SALE_VS_SHIPMENT,
)
from recon_assets.money import money_text
from recon_assets.reconciliation.reasons import reason
from recon_assets.rules import ACCEPTED_POLICY_FILE, AcceptedRule, Rules
from recon_assets.warehouse import plain

# The fields of a break, DESIGN.md section 5, in its order and spelling.
BREAK_FIELDS = (
    "break_id",
    "check",
    "key",
    "class",
    "reason",
    "owner",
    "first_seen",
    "age_days",
    "amount_minor",
    "currency",
    "evidence",
)
# As stored: `check` is an SQL keyword; `kind` says what happened, `accepted_rule` which rule
# accepted the break, `rule_not_applied` which rule selected it but could not accept it.
BREAK_COLUMNS = [
    *("check_name" if f == "check" else f for f in BREAK_FIELDS),
    "kind",
    "accepted_rule",
    "rule_not_applied",
]
# The kinds whose sentence names the codes the rules do not know.
UNKNOWN_CODE_KINDS = ("unknown_account", "unknown_code")


def break_id(check: str, key: str) -> str:
    """Stable across nights: the same leg and key is the same break while it stays open."""
    return "brk_" + hashlib.sha256(f"{check}\x1f{key}".encode()).hexdigest()[:16]


def broken_parts(facts: pd.DataFrame) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every open part of each (check, key), in the order the leg lists its parts."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for fact in facts[facts["class"].notna()].to_dict("records"):
        fact = {k: plain(v) for k, v in fact.items()}
        out.setdefault((fact["check_name"], fact["key"]), []).append(fact)
    for (check, _), parts in out.items():
        order = [p.part for p in LEGS_BY_CHECK[check].parts]
        parts.sort(key=lambda f: order.index(f["part"]))
    return out


def fact_currency(fact: Mapping[str, Any]) -> str | None:
    return fact.get("a_currency") or fact.get("b_currency")


def money_at_stake(fact: Mapping[str, Any]) -> int:
    a, b = int(fact.get("a_amount") or 0), int(fact.get("b_amount") or 0)
    kind = fact["kind"]
    # A mapping break puts the real amount at stake, not the slip: the expected side's.
    if fact["check_name"] == SALE_VS_SHIPMENT or kind in MAPPING_KINDS:
        return abs(a) or abs(b)
    if not fact.get("a_records"):
        return abs(b)
    if not fact.get("b_records"):
        return abs(a)
    return abs(a - b)


def leg_money_at_stake(parts: list[dict[str, Any]], currency: str | None) -> int:
    """The money at stake over every broken part of a leg, in the break's currency."""
    return sum(money_at_stake(p) for p in parts if fact_currency(p) in (currency, None))


def accepting_rule(
    brk: Mapping[str, Any], records: list[dict[str, Any]], rules: Rules, recon_date: date
) -> tuple[AcceptedRule | None, tuple[str, str] | None]:
    """The first rule that accepts the break; else, for the first rule that selects it, its id
    and why it does not: the amount moved outside the rule's, or the policy caps it."""
    refusal: tuple[str, str] | None = None
    amount, currency = brk.get("amount_minor") or 0, brk.get("currency")
    for rule in rules.accepted:
        if not rule_selects(rule, brk, records, recon_date):
            continue
        cap = rules.policy.cap_for(rule.id, currency)
        if rule.amount_minor is not None and not rule.amount_minor.contains(amount):
            why = (
                f"Accepted by rule {rule.id} {rule.amount_minor.describe(currency)}; "
                f"now {money_text(amount, currency)}: not accepted."
            )
        elif cap is not None and amount > cap:
            why = (
                f"Rule {rule.id} would accept it, but {money_text(amount, currency)} is above "
                f"the policy cap of {money_text(cap, currency)} "
                f"(rules/{ACCEPTED_POLICY_FILE}): not accepted."
            )
        else:
            return rule, None
        refusal = refusal or (rule.id, why)
    return None, refusal


def nearest_candidates(breaks: pd.DataFrame) -> dict[tuple[str, str], tuple[str, int]]:
    """For each one-sided break, the closest one-sided break on the other side of its leg.

    Same check, part and currency; closest quantity, then smallest key: the likeliest
    counterpart that failed to match (a typo in a key, a split payment).
    """
    expecting = breaks[breaks["a_records"].notna() & breaks["b_records"].isna()]
    orphaned = breaks[breaks["a_records"].isna() & breaks["b_records"].notna()]
    sides = (
        (expecting, "a_quantity", "a_currency", orphaned, "b_quantity", "b_currency"),
        (orphaned, "b_quantity", "b_currency", expecting, "a_quantity", "a_currency"),
    )
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for here, quantity, currency, there, their_quantity, their_currency in sides:
        pool: dict[tuple, list[tuple[int, str]]] = {}
        for row in there.itertuples():
            group = (row.check_name, row.part, getattr(row, their_currency) or "")
            pool.setdefault(group, []).append((int(getattr(row, their_quantity)), row.key))
        for candidates in pool.values():
            candidates.sort()
        for row in here.itertuples():
            group = (row.check_name, row.part, getattr(row, currency) or "")
            candidates = pool.get(group)
            if not candidates:
                continue
            want = int(getattr(row, quantity))
            at = bisect.bisect_left(candidates, (want, ""))
            near = candidates[max(at - 1, 0) : at + 1]
            best = min(near, key=lambda c: (abs(c[0] - want), c[1]))
            out[(row.check_name, row.key)] = (best[1], best[0])
    return out


def unknown_codes(records: list[dict[str, Any]], rules: Rules) -> tuple[str, ...]:
    """The codes in a break's records that the rules do not know, as `account 4001`."""
    allowed = {
        ("ledger_entries", "account"): set(rules.accounts.chart),
        ("pos_transactions", "store_id"): rules.mappings.stores,
        ("processor_transactions", "processor"): rules.mappings.processors,
    }
    found = set()
    for record in records:
        for (source, field), codes in allowed.items():
            value = record["fields"].get(field)
            if record["source"] == source and codes is not None and value not in codes:
                found.add(f"{field.removesuffix('_id')} {value}")
    return tuple(sorted(found))


def classify_night(
    facts: pd.DataFrame,
    evidence: pd.DataFrame,
    previous: pd.DataFrame,
    rules: Rules,
    recon_date: date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tonight's classified breaks, and last night's breaks that are gone (resolved).

    `evidence` is the JSON text of each open (check_name, key), built in SQL
    (sql/reconciliation/evidence.sql). The loop is over breaks, never over records: a break's
    records are parsed only where its sentence names unknown codes or a rule selects by record
    fields.
    """
    first_seen = dict(zip(previous["break_id"], previous["first_seen"], strict=True))
    by_record = any(rule.record for rule in rules.accepted)
    picked = pick_breaks(facts)
    parts = broken_parts(facts)
    nearest = nearest_candidates(picked)
    rows = []
    with_evidence = picked.merge(evidence, on=["check_name", "key"], how="left")
    for fact in with_evidence.to_dict("records"):
        fact = {k: plain(v) for k, v in fact.items()}
        check, key = fact["check_name"], fact["key"]
        text = fact["evidence"] or "[]"
        records = evidence_records(text) if by_record or fact["kind"] in UNKNOWN_CODE_KINDS else []
        unknown = unknown_codes(records, rules)
        broken = parts[(check, key)]
        currency = fact_currency(fact)
        brk = {
            "break_id": break_id(check, key),
            "check_name": check,
            "key": key,
            "class": fact["class"],
            "kind": fact["kind"],
            "reason": reason(broken, unknown, nearest.get((check, key))),
            "owner": rules.owners.owner(check, fact["class"]),
            "first_seen": plain(first_seen.get(break_id(check, key))) or recon_date.isoformat(),
            "age_days": int(fact["age_days"]),
            "amount_minor": leg_money_at_stake(broken, currency),
            "currency": currency,
            "evidence": text,
            "accepted_rule": None,
            "rule_not_applied": None,
        }
        rule, refusal = accepting_rule(brk, records, rules, recon_date)
        if rule is not None:
            brk.update({"class": KNOWN_ACCEPTED, "owner": rule.owner, "accepted_rule": rule.id})
        elif refusal is not None:
            refused, why = refusal
            brk.update({"reason": f"{brk['reason']} {why}", "rule_not_applied": refused})
        rows.append(brk)
    breaks = pd.DataFrame(rows, columns=BREAK_COLUMNS).sort_values(["check_name", "key"])
    gone = previous[~previous["break_id"].isin(breaks["break_id"])]
    resolutions = pd.DataFrame(
        {
            "break_id": gone["break_id"],
            "check_name": gone["check_name"],
            "key": gone["key"],
            "last_class": gone["class"],
            "first_seen": gone["first_seen"],
        }
    ).sort_values(["check_name", "key"])
    return breaks.reset_index(drop=True), resolutions.reset_index(drop=True)
