"""A rule file that is not exactly right is rejected, naming the file and the line."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.rules import RulesError, load_accepted_policy, load_rules
from recon_assets.settings import DEFAULT_RULES_DIR

HEADER = (
    "rules:\n  - id: gift-cards\n    reason: gift cards settle monthly\n    owner: finance-ops\n"
)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    for path in (folder / "accepted").glob("*.yaml"):
        path.unlink()
    return folder


@pytest.mark.parametrize(
    ("last_line", "problem"),
    [
        ("    selector: gift_card\n", "rules.0.selector: unknown key"),
        ("    expires: next tuesday\n", "rules.0.expires: Input should be a valid date"),
        ("    amount_minor: {max: lots}\n", "rules.0.amount_minor.max: Input should be a valid"),
        ("    check: sale_vs_everything\n", "rules.0.check: Input should be"),
    ],
)
def test_bad_rule_is_rejected_with_file_and_line(rules_dir: Path, last_line: str, problem: str):
    path = rules_dir / "accepted" / "gift-cards.yaml"
    path.write_text(HEADER + "    kind: not_posted\n" + last_line, encoding="utf-8")
    bad_line = len(path.read_text().splitlines())

    with pytest.raises(RulesError) as err:
        load_rules(rules_dir)
    assert f"{path}, line {bad_line}: {problem}" in str(err.value)

    env = {"RECON_RULES_DIR": str(rules_dir), "RECON_HOME": str(rules_dir.parent / "home")}
    given = CliRunner().invoke(
        app, ["rules", "test", str(path), "--start", "2025-03-03", "--end", "2025-03-08"], env=env
    )
    assert given.exit_code == 1
    assert f"{path}, line {bad_line}: {problem}" in given.output


def test_policy_file_is_strict_too(rules_dir: Path):
    policy = rules_dir / "accepted_policy.yaml"
    policy.write_text("max_genuine_share: 0.05\nmax_share: 0.5\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"accepted_policy.yaml, line 2: max_share: unknown key"):
        load_accepted_policy(rules_dir)
    policy.write_text("max_genuine_share: 1.5\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"line 1: max_genuine_share: Input should be less"):
        load_accepted_policy(rules_dir)
    policy.unlink()
    assert load_accepted_policy(rules_dir).max_genuine_share == Decimal("0.05")
