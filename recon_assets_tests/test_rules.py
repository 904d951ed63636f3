"""Rules files: strict schemas with errors naming the file and the line; rule matching."""

from __future__ import annotations

import shutil
import time
from datetime import date

import pytest

from recon_assets.breaks import rule_matches
from recon_assets.legs import LEGS, MAPPING_KINDS
from recon_assets.rules import AcceptedRule, RulesError, load_rules
from recon_assets.settings import DEFAULT_RULES_DIR


@pytest.fixture
def rules_dir(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    return folder


def test_default_rules_are_the_design_defaults(rules_dir):
    rules = load_rules(rules_dir)
    assert {c: rules.timing.sla(c) for c in rules.timing.sla_days} == {
        "sale_vs_oms": 1,
        "sale_vs_capture": 1,
        "capture_vs_settlement": 3,
        "sale_vs_shipment": 3,
        "web_sale_vs_ledger": 2,
        "pos_takings_vs_ledger": 2,
        "refund_vs_processor_vs_ledger": 3,
        "payout_vs_bank": 3,
    }
    assert rules.tolerances.of("sale_vs_oms").absolute_minor == 0
    assert sorted(rules.accounts.chart) == ["1000", "1100", "1200", "2100", "4000", "4010", "6100"]
    assert rules.mappings.levels() == {}
    assert rules.accepted == ()


def test_unknown_key_names_file_and_line(rules_dir):
    path = rules_dir / "owners.yaml"
    path.write_text(path.read_text().replace("  sale_vs_oms:\n", "  sale_vs_oms:\n    ownr: x\n"))
    with pytest.raises(RulesError) as caught:
        load_rules(rules_dir)
    line = path.read_text().splitlines().index("    ownr: x") + 1
    assert f"{path}, line {line}: checks.sale_vs_oms.ownr" in str(caught.value)


def test_malformed_value_names_file_and_line(rules_dir):
    path = rules_dir / "timing.yaml"
    path.write_text(path.read_text().replace("sale_vs_oms: 1", "sale_vs_oms: one"))
    with pytest.raises(RulesError) as caught:
        load_rules(rules_dir)
    line = path.read_text().splitlines().index("  sale_vs_oms: one") + 1
    assert str(caught.value).startswith(f"{path}, line {line}: sla_days.sale_vs_oms:")


def test_unknown_check_and_bad_yaml_are_rejected(rules_dir):
    (rules_dir / "accepted" / "gift.yaml").write_text(
        "rules:\n  - id: gift\n    reason: r\n    owner: o\n    check: sale_vs_everything\n"
    )
    with pytest.raises(RulesError, match=r"gift.yaml, line 5: rules.0.check"):
        load_rules(rules_dir)
    (rules_dir / "accepted" / "gift.yaml").write_text("rules: [\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(rules_dir)


# ~400 bytes that expand to 9**9 strings if aliases are followed (a "billion laughs").
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_an_alias_bomb_in_rules_fails_fast_naming_file_and_line(rules_dir):
    path = rules_dir / "accepted" / "bomb.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 450
    started = time.monotonic()
    with pytest.raises(RulesError) as caught:
        load_rules(rules_dir)
    assert time.monotonic() - started < 2
    assert str(caught.value) == (
        f"{path}, line 2, column 8: not valid YAML: alias *a is not allowed in a rules file"
    )


BREAK = {
    "break_id": "brk_1",
    "check_name": "sale_vs_capture",
    "key": "1001",
    "kind": "not_captured",
    "currency": "GBP",
    "amount_minor": 4_000,
}
RECORDS = [{"source": "storefront_orders", "fields": {"payment_method": "gift_card"}}]


@pytest.mark.parametrize(
    ("selectors", "matches"),
    [
        ({"check": "sale_vs_capture"}, True),
        ({"check": "sale_vs_oms"}, False),
        ({"record": {"payment_method": "gift_card"}}, True),
        ({"record": {"payment_method": "card"}}, False),
        ({"amount_minor": {"max": 4_000}}, True),
        ({"amount_minor": {"max": 3_999}}, False),
        ({"currency": "EUR"}, False),
        ({"expires": date(2026, 5, 5)}, True),
        ({"expires": date(2026, 5, 4)}, False),  # a rule stops matching on its expiry date
    ],
)
def test_accepted_rule_selectors(selectors, matches):
    rule = AcceptedRule(id="r", reason="why", owner="me", **selectors)
    assert rule_matches(rule, BREAK, RECORDS, date(2026, 5, 4)) is matches


def test_a_pattern_rule_without_an_amount_bound_is_refused(rules_dir):
    path = rules_dir / "accepted" / "parcels.yaml"
    path.write_text(
        "rules:\n  - id: parcels\n    reason: r\n    owner: o\n    check: sale_vs_shipment\n"
    )
    with pytest.raises(RulesError, match="rule 'parcels' accepts a pattern of breaks without"):
        load_rules(rules_dir)
    path.write_text(path.read_text() + "    currency: GBP\n    amount_minor: {max: 2500}\n")
    assert load_rules(rules_dir).accepted[0].amount_minor.max == 2500


def test_next_steps_name_a_default_for_every_check(rules_dir):
    rules = load_rules(rules_dir)
    for leg in LEGS:
        for part in leg.parts:
            kinds = {part.missing_kind, part.orphan_kind, part.differs_kind, *MAPPING_KINDS}
            assert all(rules.next_steps.of(leg.check, kind) for kind in kinds)
    path = rules_dir / "next_steps.yaml"
    path.write_text(
        path.read_text().replace(
            "  payout_vs_bank:\n    default:", "  payout_vs_bank:\n    usually:"
        )
    )
    with pytest.raises(RulesError, match="checks without a default next step: payout_vs_bank"):
        load_rules(rules_dir)
