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

import numpy as np
import pandas as pd

from recon_assets.breaks import evidence_records, pick_breaks, plain_selectors, rule_selects
from recon_assets.legs import (
    KNOWN_ACCEPTED,
    LEGS_BY_CHECK,
    MAPPING_KINDS,
    SALE_VS_SHIPMENT,
)
from recon_assets.money import money_text
from recon_assets.reconciliation.reasons import FACT_FIELDS, reason
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


def as_plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Python values and None for missing ones, column by column, not value by value."""
    return frame.astype(object).where(frame.notna(), None)


def open_parts(facts: pd.DataFrame) -> pd.DataFrame:
    """Every open part, in the order its leg lists its parts."""
    order = pd.DataFrame(
        [(leg.check, p.part, i) for leg in LEGS_BY_CHECK.values() for i, p in enumerate(leg.parts)],
        columns=["check_name", "part", "_order"],
    )
    parts = facts[facts["class"].notna()].merge(order, on=["check_name", "part"])
    return parts.sort_values(["check_name", "key", "_order"], ignore_index=True)


def money_at_stake(parts: pd.DataFrame) -> pd.Series:
    """Each part's money at stake: a mapping break puts the real amount at stake, not the
    slip (the expected side's); a one-sided part its one side; else the difference."""
    a_amount, b_amount = (parts[c].fillna(0).astype("int64") for c in ("a_amount", "b_amount"))
    a, b, diff = a_amount.abs(), b_amount.abs(), (a_amount - b_amount).abs()
    real = (parts["check_name"] == SALE_VS_SHIPMENT) | parts["kind"].isin(MAPPING_KINDS)
    no_a = parts["a_records"].fillna(0).eq(0)
    no_b = parts["b_records"].fillna(0).eq(0)
    return pd.Series(
        np.select([real, no_a, no_b], [a.where(a != 0, b), b, a], diff),
        index=parts.index,
        dtype="int64",
    )


def leg_money_at_stake(parts: pd.DataFrame, breaks: pd.DataFrame) -> pd.Series:
    """The money at stake over every open part of each break's leg, in the break's currency
    (a part with no currency counts in any), indexed like `breaks`."""
    currency = parts["a_currency"].fillna(parts["b_currency"])
    counted = parts.assign(_money=money_at_stake(parts), _currency=currency).merge(
        breaks[["check_name", "key", "currency"]], on=["check_name", "key"]
    )
    counted = counted[counted["_currency"].isna() | counted["_currency"].eq(counted["currency"])]
    total = counted.groupby(["check_name", "key"])["_money"].sum()
    keys = pd.MultiIndex.from_frame(breaks[["check_name", "key"]])
    return pd.Series(total.reindex(keys, fill_value=0).to_numpy(), index=breaks.index)


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


def selectable(breaks: pd.DataFrame, rules: Rules) -> pd.Series:
    """The breaks some accepted rule may select, by the selectors a break carries
    (`plain_selectors`): only these are tried against the rules, one by one."""
    mask = pd.Series(False, index=breaks.index)
    for rule in rules.accepted:
        selected = pd.Series(True, index=breaks.index)
        for column, want in plain_selectors(rule).items():
            selected &= breaks[column].eq(want)
        mask |= selected
    return mask


def nearest_candidates(breaks: pd.DataFrame) -> dict[tuple[str, str], tuple[str, int]]:
    """For each one-sided break, the closest one-sided break on the other side of its leg.

    Same check, part and currency; closest quantity, then smallest key: the likeliest
    counterpart that failed to match (a typo in a key, a split payment).
    """
    sides_of = ["check_name", "part", "key", "a_records", "b_records"]
    breaks = breaks[[*sides_of, "a_quantity", "b_quantity", "a_currency", "b_currency"]]
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
    (sql/reconciliation/evidence.sql). Ids, owners, first nights and money are worked out
    column by column; what is written per break is its sentence, and the rules are tried
    only on the breaks a rule's plain selectors pick (a break's records are parsed only
    where its sentence names unknown codes or a rule selects by record fields).
    """
    picked = pick_breaks(facts).reset_index(drop=True)
    parts = open_parts(facts)
    picked = picked.merge(evidence, on=["check_name", "key"], how="left")
    checks, keys = picked["check_name"], picked["key"]
    ids = pd.Series(map(break_id, checks, keys), index=picked.index, dtype=object)
    classes = picked[["check_name", "class"]].drop_duplicates()
    classes["owner"] = [rules.owners.owner(c, k) for c, k in classes.itertuples(index=False)]
    owners = picked[["check_name", "class"]].merge(classes, how="left")["owner"].astype(object)
    currency = picked["a_currency"].fillna(picked["b_currency"])
    first_seen = ids.map(dict(zip(previous["break_id"], previous["first_seen"], strict=True)))
    # None, not NaN (what a bare None becomes in a frame), where nothing is known yet.
    unknown = pd.Series([None] * len(picked), index=picked.index, dtype=object)
    breaks = pd.DataFrame(
        {
            "break_id": ids,
            "check_name": checks,
            "key": keys,
            "class": picked["class"],
            "reason": unknown,
            "owner": owners,
            "first_seen": first_seen.map(plain, na_action="ignore").fillna(recon_date.isoformat()),
            "age_days": picked["age_days"].astype("int64"),
            "amount_minor": 0,
            "currency": as_plain(currency),
            "evidence": picked["evidence"].fillna("[]"),
            "kind": picked["kind"],
            "accepted_rule": unknown,
            "rule_not_applied": unknown,
        },
        columns=BREAK_COLUMNS,
    )
    breaks["amount_minor"] = leg_money_at_stake(parts, breaks).astype("int64")
    # The sentence: from the leg's open parts, as plain values.
    leg_parts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for part in as_plain(parts[list(FACT_FIELDS)]).to_dict("records"):
        leg_parts.setdefault((part["check_name"], part["key"]), []).append(part)
    nearest = nearest_candidates(picked)
    # A leg's sentence names every open part, so any part of unknown codes needs the records,
    # whichever part the break is about and whether or not a rule selects by record fields.
    coded = parts.loc[parts["kind"].isin(UNKNOWN_CODE_KINDS), ["check_name", "key"]]
    needs_records = pd.Series(
        pd.MultiIndex.from_frame(picked[["check_name", "key"]]).isin(
            pd.MultiIndex.from_frame(coded)
        ),
        index=picked.index,
    ) | any(rule.record for rule in rules.accepted)
    records = {i: evidence_records(breaks.at[i, "evidence"]) for i in breaks.index[needs_records]}
    breaks["reason"] = [
        reason(
            leg_parts[(check, key)],
            unknown_codes(records[i], rules) if i in records else (),
            nearest.get((check, key)),
        )
        for i, check, key in zip(breaks.index, checks, keys, strict=True)
    ]
    for i in breaks.index[selectable(breaks, rules)]:
        brk = {k: plain(v) for k, v in breaks.loc[i].items()}
        rule, refusal = accepting_rule(brk, records.get(i, []), rules, recon_date)
        if rule is not None:
            decided = {"class": KNOWN_ACCEPTED, "owner": rule.owner, "accepted_rule": rule.id}
        elif refusal is not None:
            refused, why = refusal
            decided = {"reason": f"{brk['reason']} {why}", "rule_not_applied": refused}
        else:
            continue
        for column, value in decided.items():
            breaks.at[i, column] = value
    breaks = breaks.sort_values(["check_name", "key"])
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
