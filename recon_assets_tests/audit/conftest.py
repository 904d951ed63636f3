"""Six generated nights reconciled once for the whole audit package, and a copy of them on
which a break has been accepted and its night reconciled again."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.generator import generate
from recon_assets.reconciliation.classify import break_id
from recon_assets.runner import materialize_night
from recon_assets.settings import DEFAULT_RULES_DIR, Settings

START = date(2025, 3, 3)
NIGHTS = [(START + timedelta(days=i)).isoformat() for i in range(6)]
LAST_NIGHT = NIGHTS[-1]
BREAKS = {"late_oms": 1, "not_captured": 1, "ledger_not_posted": 1, "refund_not_in_ledger": 1}


@dataclass(frozen=True)
class Stored:
    settings: Settings
    expected: pd.DataFrame  # expected_breaks.csv: the generator's oracle, per night

    @property
    def env(self) -> dict[str, str]:
        return {
            "RECON_HOME": str(self.settings.home),
            "RECON_LANDING_DIR": str(self.settings.landing_dir),
            "RECON_RULES_DIR": str(self.settings.rules_dir),
            "RECON_WAREHOUSE": "duckdb",
        }

    def landing(self, source: str) -> pd.DataFrame:
        """Every landing row of a source, with the business date of its file."""
        frames = [
            pd.read_csv(path, dtype=str, keep_default_na=False).assign(business_date=path.stem)
            for path in sorted((self.settings.landing_dir / source).glob("*.csv"))
        ]
        return pd.concat(frames, ignore_index=True)

    def injected(self, kind: str) -> pd.DataFrame:
        return self.expected[self.expected["kind"] == kind]

    def recon(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)


def settings_in(root: Path) -> Settings:
    return dataclasses.replace(
        Settings.from_env(),
        home=root / "home",
        landing_dir=root / "landing",
        rules_dir=root / "rules",
        warehouse="duckdb",
        start_date=START.isoformat(),
    )


def reconcile(settings: Settings, night: str) -> dg.ExecuteInJobResult:
    return materialize_night(settings, night, instance=dg.DagsterInstance.ephemeral())


@pytest.fixture(scope="package")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    root = tmp_path_factory.mktemp("audit")
    settings = settings_in(root)
    generate(settings.landing_dir, START, len(NIGHTS), 8, 5, breaks=BREAKS)
    shutil.copytree(DEFAULT_RULES_DIR, settings.rules_dir)
    for rule_file in (settings.rules_dir / "accepted").glob("*.yaml"):
        rule_file.unlink()  # start from no accepted rule, whatever the repository holds
    for night in NIGHTS:
        reconcile(settings, night)
    expected = pd.read_csv(settings.landing_dir / "expected_breaks.csv", dtype=str)
    return Stored(settings=settings, expected=expected)


@dataclass(frozen=True)
class Accepted:
    stored: Stored
    break_id: str
    key: str
    rule_id: str
    accept_output: str
    rerun: dg.ExecuteInJobResult


@pytest.fixture(scope="package")
def accepted(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> Accepted:
    """A copy of the nights where `recon accept` took the uncaptured sale's break, after
    which the last night was reconciled again (its first run stays in the history)."""
    root = tmp_path_factory.mktemp("accepted")
    for folder in ("home", "landing", "rules"):
        shutil.copytree(stored.settings.home.parent / folder, root / folder)
    copy = Stored(settings=settings_in(root), expected=stored.expected)
    key = copy.injected("not_captured")["key"].iloc[0]
    brk = break_id("sale_vs_capture", key)
    result = copy.recon(
        "accept", brk, "--reason", "Staff sale settled off-system", "--until", "2099-01-01"
    )
    assert result.exit_code == 0, result.output
    [rule_file] = (copy.settings.rules_dir / "accepted").glob("*.yaml")
    rerun = reconcile(copy.settings, LAST_NIGHT)
    return Accepted(copy, brk, key, rule_file.stem, result.output, rerun)
