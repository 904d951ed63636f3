"""`recon rules test`: backtest numbers against the generator's oracle, the policy's
refusals, expiry, and proof that nothing stored changes."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from recon_assets.audit.expiry import rules_expiring
from recon_assets.breaks import rule_matches
from recon_assets.cli import app
from recon_assets.rules import AcceptedRule
from recon_assets.stored import read_only_session
from recon_assets_tests.audit.conftest import LAST_NIGHT, NIGHTS, Accepted, Stored

OPEN_POLICY = "max_genuine_share: 1\n"


def rules_test(stored: Stored, rules_dir: Path, *args: str) -> Result:
    env = {**stored.env, "RECON_RULES_DIR": str(rules_dir)}
    command = ["rules", "test", *args, "--start", NIGHTS[0], "--end", LAST_NIGHT]
    return CliRunner().invoke(app, command, env=env)


@pytest.fixture
def rules_dir(stored: Stored, tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(stored.settings.rules_dir, folder)
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rule_file(folder: Path, rule_id: str, selectors: str) -> Path:
    return write(
        folder / f"{rule_id}.yaml",
        f"rules:\n  - id: {rule_id}\n    reason: test\n    owner: finance-ops\n{selectors}",
    )


def oracle_counts(stored: Stored, check: str) -> dict[str, int]:
    rows = stored.expected[stored.expected["check"] == check]
    return {night: int((rows["recon_date"] == night).sum()) for night in NIGHTS}


def genuine_breaks(stored: Stored) -> set[tuple[str, str]]:
    rows = stored.expected[stored.expected["class"] == "genuine_error"]
    return set(zip(rows["check"], rows["key"], strict=True))


def sale_totals(stored: Stored) -> dict[str, tuple[int, str]]:
    web = stored.landing("storefront_orders")
    web = web[web["event_type"] == "order"]
    till = stored.landing("pos_transactions")
    till = till[till["txn_type"] == "sale"]
    return {
        **{r["order_id"]: (int(r["amount_minor"]), r["currency"]) for _, r in web.iterrows()},
        **{r["order_id"]: (int(r["amount_minor"]), r["currency"]) for _, r in till.iterrows()},
    }


def test_backtest_numbers_match_the_generated_history(stored: Stored, rules_dir: Path, tmp_path):
    write(rules_dir / "accepted_policy.yaml", OPEN_POLICY)
    path = rule_file(tmp_path, "parcels-in-flight", "    check: sale_vs_shipment\n")
    result = rules_test(stored, rules_dir, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    [tested] = json.loads(result.output)

    counts = oracle_counts(stored, "sale_vs_shipment")
    assert {n["recon_date"]: n["breaks"] for n in tested["nights"]} == counts
    assert {n["recon_date"]: n["newly_hidden"] for n in tested["nights"]} == counts
    # Money at stake of a parcel not shipped is the sale's total, from the landing files.
    totals = sale_totals(stored)
    shipments = stored.expected[stored.expected["check"] == "sale_vs_shipment"]
    for night in tested["nights"]:
        money: dict[str, int] = {}
        for order in shipments.loc[shipments["recon_date"] == night["recon_date"], "key"]:
            amount, currency = totals[order]
            money[currency] = money.get(currency, 0) + amount
        assert night["money_minor"] == money, night["recon_date"]
    assert tested["genuine_errors_in_range"] == len(genuine_breaks(stored))
    shipment_genuine = {b for b in genuine_breaks(stored) if b[0] == "sale_vs_shipment"}
    assert tested["genuine_errors_accepted"] == len(shipment_genuine)
    assert {b["key"] for b in tested["newly_hidden"]} == set(shipments["key"])
    assert tested["refused"] is False


def test_a_rule_hiding_too_many_genuine_errors_is_refused(
    stored: Stored, rules_dir: Path, tmp_path
):
    path = rule_file(
        tmp_path, "uncaptured-sales", "    check: sale_vs_capture\n    kind: not_captured\n"
    )
    genuine = len(genuine_breaks(stored))
    refused = rules_test(stored, rules_dir, str(path))
    assert refused.exit_code == 1
    assert f"it would accept 1 of the {genuine} genuine errors" in refused.output
    assert "more than the 5.0% allowed" in refused.output
    assert "1 rule(s) refused: uncaptured-sales" in refused.output

    write(
        rules_dir / "accepted_policy.yaml",
        "rules:\n  uncaptured-sales:\n    max_genuine_share: 0.5\n",
    )
    allowed = rules_test(stored, rules_dir, str(path))
    assert allowed.exit_code == 0, allowed.output
    assert "OK uncaptured-sales is within the policy" in allowed.output


def test_a_rule_accepting_a_break_above_its_amount_cap_is_refused(
    stored: Stored, rules_dir: Path, tmp_path
):
    write(
        rules_dir / "accepted_policy.yaml",
        "max_genuine_share: 1\namount_cap_minor: {GBP: 100000, EUR: 100000, JPY: 100000}\n"
        "rules:\n  parcels-in-flight:\n    amount_cap_minor: {GBP: 1, EUR: 1, JPY: 1}\n",
    )
    path = rule_file(tmp_path, "parcels-in-flight", "    check: sale_vs_shipment\n")
    other = rule_file(tmp_path / "other", "payments-in-flight", "    check: sale_vs_oms\n")
    refused = rules_test(stored, rules_dir, str(path), "--format", "json")
    assert refused.exit_code == 1
    [tested] = json.loads(refused.output)
    assert tested["over_cap"] and all(b["amount_minor"] > 1 for b in tested["over_cap"])
    assert "above the amount cap" in tested["refusals"][0]
    assert rules_test(stored, rules_dir, str(other)).exit_code == 0


def test_expired_rules_stop_matching_on_their_expiry_date(stored: Stored, rules_dir, tmp_path):
    write(rules_dir / "accepted_policy.yaml", OPEN_POLICY)
    expiry = NIGHTS[3]
    path = rule_file(
        tmp_path, "settling", f"    check: capture_vs_settlement\n    expires: {expiry}\n"
    )
    result = rules_test(stored, rules_dir, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    [tested] = json.loads(result.output)
    counts = oracle_counts(stored, "capture_vs_settlement")
    assert {n["recon_date"]: n["breaks"] for n in tested["nights"]} == {
        night: (count if night < expiry else 0) for night, count in counts.items()
    }
    assert counts[expiry] > 0  # there was something to stop matching

    rule = AcceptedRule(id="r", reason="x", owner="o", check="capture_vs_settlement")
    brk = {"check_name": "capture_vs_settlement", "key": "k", "amount_minor": 5}
    day = date(2025, 3, 6)
    expiring = rule.model_copy(update={"expires": day})
    assert rule_matches(expiring, brk, [], date(2025, 3, 5))
    assert not rule_matches(expiring, brk, [], day)
    assert not rule_matches(expiring, brk, [], date(2025, 3, 7))


def test_rules_expiring_lists_rules_stopping_within_n_days():
    night = date(2025, 3, 8)
    rules = [
        AcceptedRule(id=rule_id, reason="x", owner="o", expires=expires)
        for rule_id, expires in [
            ("gone", date(2025, 3, 8)),
            ("tomorrow", date(2025, 3, 9)),
            ("in-a-week", date(2025, 3, 15)),
            ("in-eight-days", date(2025, 3, 16)),
            ("forever", None),
        ]
    ]
    assert [r.id for r in rules_expiring(rules, night)] == ["tomorrow", "in-a-week"]
    assert [r.id for r in rules_expiring(rules, night, days=8)] == [
        "tomorrow",
        "in-a-week",
        "in-eight-days",
    ]


def test_default_tests_every_accepted_rule_and_counts_only_new_hiding(accepted: Accepted):
    stored = accepted.stored
    result = rules_test(stored, stored.settings.rules_dir, "--format", "json")
    [tested] = json.loads(result.output)
    assert tested["rule"]["id"] == accepted.rule_id
    oracle = stored.expected
    nights = set(
        oracle.loc[
            (oracle["key"] == accepted.key) & (oracle["check"] == "sale_vs_capture"), "recon_date"
        ]
    )
    assert {n["recon_date"] for n in tested["nights"] if n["breaks"]} == nights
    # Accepted already on the last night: only the nights before are newly hidden.
    assert {n["recon_date"] for n in tested["nights"] if n["newly_hidden"]} == nights - {LAST_NIGHT}
    # One genuine error out of a handful is more than the default 5%: refused, explained.
    assert result.exit_code == 1 and tested["refused"]


def test_backtesting_changes_nothing_stored(stored: Stored, rules_dir: Path, tmp_path):
    database = stored.settings.duckdb_path
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    path = rule_file(tmp_path, "parcels-in-flight", "    check: sale_vs_shipment\n")
    tested = rules_test(stored, rules_dir, str(path))
    assert "parcels-in-flight" in tested.output
    traced = stored.recon("trace", stored.injected("late_oms")["key"].iloc[0])
    assert traced.exit_code == 0 and "sale_vs_oms" in traced.output
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    with read_only_session(database) as session, pytest.raises(Exception, match="read-only"):
        session.execute("DELETE FROM classified_variances")
