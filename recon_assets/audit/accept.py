"""`recon accept BREAK_ID`: an accepted edge case written down as a reviewed YAML rule.

The rule is data (selectors that must all match, see breaks.rule_matches), written to its
own file under `rules/accepted/` for review; nothing in it is ever evaluated as code.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from recon_assets.breaks import evidence_records, rule_matches
from recon_assets.legs import KNOWN_ACCEPTED
from recon_assets.money import money_text
from recon_assets.rules import (
    ACCEPTED_POLICY_FILE,
    AcceptedPolicy,
    AcceptedRule,
    AmountBounds,
    Rules,
    RulesError,
    load_accepted_policy,
    load_rules,
)
from recon_assets.settings import login_name
from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.stored import AuditError
from recon_assets.warehouse import Session, plain_records, run_sql

Scope = Literal["break", "pattern"]
# Columns that name one record or one moment, or carry its money: never part of a pattern.
_IDENTIFYING = re.compile(
    r"(_id|_ref|reference|_ts|_date|_minor|tracking|memo)$|^(currency|units)$"
)


@dataclass(frozen=True)
class WrittenRule:
    path: Path
    rule: AcceptedRule
    text: str
    recon_date: str  # the night whose break the rule was made from


def author() -> str:
    """Who is accepting: `git config user.name`, else $USER (the rule says who decided)."""
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        name = ""
    return name or login_name()


def slug(*parts: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(str(p) for p in parts).lower()).strip("-")


def descriptive_fields(source: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A record's values that describe a kind of record (tender, processor, account...)."""
    key = SOURCES_BY_NAME[source].key if source in SOURCES_BY_NAME else None
    return {
        name: value
        for name, value in fields.items()
        if name != key and value is not None and not _IDENTIFYING.search(name)
    }


def shared_record_fields(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The narrowest record selector every matching break must share with this one.

    A rule's `record` selector must hold on one record, so it is built from one source: the
    source whose evidence records share the most descriptive values (the expected side
    first on a tie), keeping the values all of that source's records agree on.
    """
    best: dict[str, Any] = {}
    ordered = sorted(records, key=lambda r: r["side"] != "expected")
    for source in dict.fromkeys(r["source"] for r in ordered):
        described = [
            descriptive_fields(source, r["fields"]) for r in ordered if r["source"] == source
        ]
        shared = {
            name: value
            for name, value in described[0].items()
            if all(d.get(name) == value for d in described[1:])
        }
        if len(shared) > len(best):
            best = shared
    return dict(sorted(best.items()))


def find_break(session: Session, break_id: str) -> dict[str, Any]:
    found = plain_records(run_sql(session, "audit/latest_break", {"break_id": break_id}))
    if not found:
        raise AuditError(f"{break_id}: no stored night has this break")
    return found[0]


def proposed_rule(
    brk: dict[str, Any],
    *,
    scope: Scope,
    reason: str,
    owner: str | None,
    until: date | None,
    created: date,
    rule_author: str,
) -> AcceptedRule:
    """`break` pins this one break; `pattern` is every break like it, up to its amount."""
    records = evidence_records(brk["evidence"])
    common = {
        "reason": reason,
        "owner": owner or brk["owner"],
        "author": rule_author,
        "created": created,
        "expires": until,
        "check": brk["check_name"],
    }
    amount = brk["amount_minor"]
    if scope == "break":
        # This break at this amount: if its money at stake moves, it is reported again.
        return AcceptedRule(
            id=slug(brk["check_name"], brk["key"]),
            break_id=brk["break_id"],
            key=brk["key"],
            currency=brk["currency"],
            amount_minor=None if amount is None else AmountBounds(accepted=amount, tolerance=0),
            **common,
        )
    fields = shared_record_fields(records)
    return AcceptedRule(
        id=slug(brk["check_name"], brk["kind"], *fields.values(), brk["currency"] or ""),
        kind=brk["kind"],
        currency=brk["currency"],
        amount_minor=None if amount is None else AmountBounds(max=amount),
        record=fields or None,
        **common,
    )


def rule_yaml(rule: AcceptedRule, brk: dict[str, Any], scope: Scope) -> str:
    header = (
        f"# Accepted with `recon accept --scope {scope}` from break {brk['break_id']}\n"
        f"# ({brk['check_name']} {brk['key']}, {brk['class']} {brk['kind']}, night "
        f"{brk['recon_date']}).\n"
        "# Every selector below must match a break for the rule to accept it; the rule stops\n"
        "# matching on its `expires` date. Review it like code; it is never run as code.\n"
    )
    body = yaml.safe_dump(
        {"rules": [rule.model_dump(exclude_none=True)]}, sort_keys=False, allow_unicode=True
    )
    return header + body


# What a rule accepts; who wrote it, when, why and its id do not change that.
_ABOUT_THE_RULE = {"id", "reason", "owner", "author", "created", "expires"}


def refuse_a_second_rule(rule: AcceptedRule, rules: Rules) -> None:
    """The break is pinned already (or the pattern written already) by a rule not yet applied
    by a rerun: a second file would only be a duplicate to review."""
    selectors = rule.model_dump(exclude=_ABOUT_THE_RULE)
    for existing in rules.accepted:
        pinned = rule.break_id is not None and existing.break_id == rule.break_id
        if pinned or existing.model_dump(exclude=_ABOUT_THE_RULE) == selectors:
            what = rule.break_id if pinned else "this pattern"
            raise AuditError(
                f"{what} is already accepted by rule {existing.id} in "
                f"{rules.accepted_files[existing.id]}: edit that file instead"
            )


def _free_id(rule: AcceptedRule, rules_dir: Path) -> AcceptedRule:
    """The rule with an id no other accepted rule or file uses (suffix -2, -3, ...)."""
    taken = set(load_rules(rules_dir).accepted_files)
    folder = rules_dir / "accepted"
    candidate, n = rule.id, 1
    while candidate in taken or (folder / f"{candidate}.yaml").exists():
        n += 1
        candidate = f"{rule.id}-{n}"
    return rule.model_copy(update={"id": candidate})


def refuse_over_cap(rule: AcceptedRule, brk: dict[str, Any], policy: AcceptedPolicy) -> None:
    """A rule whose amount is above the policy cap could never be applied on a night."""
    cap = policy.cap_for(rule.id, brk["currency"])
    if cap is not None and (brk["amount_minor"] or 0) > cap:
        raise AuditError(
            f"{brk['break_id']} puts {money_text(brk['amount_minor'], brk['currency'])} at "
            f"stake, above the cap of {money_text(cap, brk['currency'])} in "
            f"rules/{ACCEPTED_POLICY_FILE}: no rule may accept it"
        )


def accept_break(
    session: Session,
    rules_dir: Path,
    break_id: str,
    *,
    reason: str,
    scope: Scope = "break",
    until: date | None = None,
    owner: str | None = None,
    today: date | None = None,
) -> WrittenRule:
    """Write `rules/accepted/<id>.yaml` for the break; refuse what would be a mistake."""
    brk = find_break(session, break_id)
    created = today or date.today()
    if brk["class"] == KNOWN_ACCEPTED:
        raise AuditError(
            f"{break_id} is already accepted by rule {brk['accepted_rule']} "
            f"(night {brk['recon_date']})"
        )
    if until is not None and until <= created:
        raise AuditError(f"--until {until} is not after today ({created}): the rule would be dead")
    try:
        rule = proposed_rule(
            brk,
            scope=scope,
            reason=reason,
            owner=owner,
            until=until,
            created=created,
            rule_author=author(),
        )
    except ValueError as err:  # pydantic: e.g. an owner or reason that is blank
        raise AuditError(f"cannot make a rule of {break_id}: {err}") from err
    refuse_a_second_rule(rule, load_rules(rules_dir))
    rule = _free_id(rule, rules_dir)
    refuse_over_cap(rule, brk, load_accepted_policy(rules_dir))
    night = date.fromisoformat(brk["recon_date"])
    if not rule_matches(
        rule.model_copy(update={"expires": None}), brk, evidence_records(brk["evidence"]), night
    ):
        raise AuditError(f"the proposed rule {rule.id} would not match {break_id} itself")
    text = rule_yaml(rule, brk, scope)
    path = rules_dir / "accepted" / f"{rule.id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:  # the file must load exactly as the nightly run will load it
        load_rules(rules_dir)
    except RulesError:
        path.unlink()
        raise
    return WrittenRule(path=path, rule=rule, text=text, recon_date=brk["recon_date"])
