"""`recon accept`: the rule it writes, what a rerun does with it, and the history kept."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from recon_assets.audit.accept import accept_break, author
from recon_assets.audit.history import night_as_reported, night_runs
from recon_assets.breaks import rule_matches
from recon_assets.reconciliation.classify import break_id
from recon_assets.rules import load_rules
from recon_assets.stored import AuditError, read_only_session
from recon_assets_tests.audit.conftest import LAST_NIGHT, Accepted, Stored
from recon_assets_tests.reporting.conftest import metadata_of

NEEDS_A_PERSON = ("genuine_error", "mapping")


def night_classes(stored: Stored, night: str) -> dict[str, tuple[str, str | None]]:
    with read_only_session(stored.settings.duckdb_path) as session:
        rows = session.query(
            "SELECT break_id, class, accepted_rule FROM classified_variances WHERE recon_date = $d",
            {"d": date.fromisoformat(night)},
        )
    return {r["break_id"]: (r["class"], r["accepted_rule"]) for r in rows.to_dict("records")}


def test_accept_then_rerun_turns_the_break_known_accepted_and_off_the_list(
    stored: Stored, accepted: Accepted
):
    before = night_classes(stored, LAST_NIGHT)
    after = night_classes(accepted.stored, LAST_NIGHT)
    assert before[accepted.break_id] == ("genuine_error", None)
    assert after[accepted.break_id] == ("known_accepted", accepted.rule_id)
    needs_a_person = {b for b, (klass, _) in after.items() if klass in NEEDS_A_PERSON}
    assert accepted.break_id not in needs_a_person
    assert needs_a_person  # the other genuine errors are still there for a person
    del before[accepted.break_id], after[accepted.break_id]
    assert after == before  # nothing else moved

    rules = load_rules(accepted.stored.settings.rules_dir)
    [rule] = rules.accepted
    assert rule.id == accepted.rule_id == f"sale-vs-capture-{accepted.key}"
    assert (rule.break_id, rule.check, rule.key) == (
        accepted.break_id,
        "sale_vs_capture",
        accepted.key,
    )
    assert (rule.reason, rule.owner) == ("Staff sale settled off-system", "payments-ops")
    assert (rule.created, rule.expires) == (date.today(), date(2099, 1, 1))
    assert rule.author
    assert (rule.kind, rule.record) == (None, None)
    # Bound to this break's money at stake as accepted, exactly (the tolerance is written out).
    with read_only_session(stored.settings.duckdb_path) as session:
        [brk] = session.query(
            "SELECT currency, amount_minor FROM classified_variances "
            "WHERE recon_date = $d AND break_id = $b",
            {"d": date.fromisoformat(LAST_NIGHT), "b": accepted.break_id},
        ).to_dict("records")
    assert brk["amount_minor"] > 0
    assert (rule.currency, rule.amount_minor.accepted, rule.amount_minor.tolerance) == (
        brk["currency"],
        brk["amount_minor"],
        0,
    )
    assert "accepted: " in accepted.accept_output and "tolerance: 0" in accepted.accept_output
    assert f"id: {rule.id}" in accepted.accept_output  # printed for review


def test_rerun_metadata_counts_each_rules_hits_and_last_night(accepted: Accepted):
    metadata = metadata_of(accepted.rerun, "classified_variances")
    assert metadata["accepted_rules"] == {
        accepted.rule_id: {"hits_tonight": 1, "hits_to_date": 1, "last_hit": LAST_NIGHT}
    }
    assert metadata["accepted_rule_hits"] == {accepted.rule_id: 1}


def test_the_first_run_of_a_rerun_night_stays_recoverable(accepted: Accepted):
    night = date.fromisoformat(LAST_NIGHT)
    with read_only_session(accepted.stored.settings.duckdb_path) as session:
        runs = night_runs(session, night)
        first = night_as_reported(session, night).set_index("break_id")
        latest = night_as_reported(session, night, runs["run_id"].iloc[-1]).set_index("break_id")
    assert len(runs) == 2
    assert first.loc[accepted.break_id, "class"] == "genuine_error"
    assert latest.loc[accepted.break_id, "class"] == "known_accepted"
    assert latest.loc[accepted.break_id, "accepted_rule"] == accepted.rule_id
    assert set(first.index) == set(latest.index)


def test_pattern_scope_proposes_the_narrowest_generalisation(stored: Stored, tmp_path: Path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(stored.settings.rules_dir, rules_dir)
    order = stored.injected("ledger_not_posted")["key"].iloc[0]
    sales = stored.landing("storefront_orders")
    [sale] = sales[(sales["order_id"] == order) & (sales["event_type"] == "order")].to_dict(
        "records"
    )
    with read_only_session(stored.settings.duckdb_path) as session:
        written = accept_break(
            session,
            rules_dir,
            break_id("web_sale_vs_ledger", order),
            reason="Marketplace orders post in a monthly journal",
            scope="pattern",
            until=date(2099, 1, 1),
            owner="finance-systems",
        )
    rule = written.rule
    assert (rule.check, rule.kind, rule.currency) == (
        "web_sale_vs_ledger",
        "not_posted",
        sale["currency"],
    )
    assert rule.record == {"event_type": "order", "payment_method": sale["payment_method"]}
    assert rule.amount_minor.max == int(sale["amount_minor"]) and rule.amount_minor.min is None
    assert (rule.break_id, rule.key, rule.owner) == (None, None, "finance-systems")
    assert (
        rule.id
        == f"web-sale-vs-ledger-not-posted-order-{sale['payment_method']}".replace("_", "-")
        + f"-{sale['currency'].lower()}"
    )
    assert load_rules(rules_dir).accepted == (rule,)
    assert written.path.read_text() == written.text
    # The same break on another order of another amount within the bound is accepted too.
    other = {
        "check_name": "web_sale_vs_ledger",
        "kind": "not_posted",
        "currency": sale["currency"],
        "amount_minor": 1,
        "key": "another-order",
        "break_id": "brk_other",
    }
    records = [{"fields": {"event_type": "order", "payment_method": sale["payment_method"]}}]
    assert rule_matches(rule, other, records, date(2025, 3, 8))
    assert not rule_matches(rule, {**other, "kind": "amount_differs"}, records, date(2025, 3, 8))
    too_big = {**other, "amount_minor": int(sale["amount_minor"]) + 1}
    assert not rule_matches(rule, too_big, records, date(2025, 3, 8))


def test_accept_refuses_what_would_be_a_mistake(stored: Stored, accepted: Accepted):
    unknown = stored.recon("accept", "brk_0000000000000000", "--reason", "x")
    assert unknown.exit_code == 2 and "no stored night has this break" in unknown.output
    brk = break_id("web_sale_vs_ledger", stored.injected("ledger_not_posted")["key"].iloc[0])
    dead = stored.recon("accept", brk, "--reason", "x", "--until", "2001-01-01")
    assert dead.exit_code == 2 and "the rule would be dead" in dead.output
    again = accepted.stored.recon("accept", accepted.break_id, "--reason", "twice")
    assert again.exit_code == 2 and f"already accepted by rule {accepted.rule_id}" in again.output
    assert not list((stored.settings.rules_dir / "accepted").glob("*.yaml"))
    assert len(list((accepted.stored.settings.rules_dir / "accepted").glob("*.yaml"))) == 1


def test_accepting_a_break_twice_before_a_rerun_refuses_naming_the_file(stored: Stored):
    brk = break_id("web_sale_vs_ledger", stored.injected("ledger_not_posted")["key"].iloc[0])
    for scope in ("break", "pattern"):
        first = stored.recon("accept", brk, "--reason", "once", "--scope", scope)
        assert first.exit_code == 0, first.output
        [path] = (stored.settings.rules_dir / "accepted").glob("*.yaml")
        again = stored.recon("accept", brk, "--reason", "twice", "--scope", scope)
        assert again.exit_code == 2
        what = brk if scope == "break" else "this pattern"
        rule_id = path.stem
        assert again.output.strip() == (
            f"{what} is already accepted by rule {rule_id} in {path}: edit that file instead"
        )
        assert list((stored.settings.rules_dir / "accepted").glob("*.yaml")) == [path]
        path.unlink()


def test_author_is_git_user_name_else_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("USER", "night-auditor")
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on the path
    assert author() == "night-auditor"
    fake_git = tmp_path / "git"
    fake_git.write_text("#!/bin/sh\necho 'Ada Lovelace'\n")
    fake_git.chmod(0o755)
    assert author() == "Ada Lovelace"


def test_accept_refuses_a_break_above_the_policy_cap(stored: Stored, tmp_path: Path):
    """No rule may accept it, so no rule file is written for it."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(stored.settings.rules_dir, rules_dir)
    (rules_dir / "accepted_policy.yaml").write_text(
        "amount_cap_minor: {GBP: 1, EUR: 1, JPY: 1, USD: 1}\n"
    )
    order = stored.injected("ledger_not_posted")["key"].iloc[0]
    with (
        read_only_session(stored.settings.duckdb_path) as session,
        pytest.raises(AuditError) as caught,
    ):
        accept_break(
            session,
            rules_dir,
            break_id("web_sale_vs_ledger", order),
            reason="Marketplace orders post monthly",
            until=date(2099, 1, 1),
        )
    assert "above the cap of" in str(caught.value)
    assert "in rules/accepted_policy.yaml: no rule may accept it" in str(caught.value)
    assert not list((rules_dir / "accepted").glob("*.yaml"))
