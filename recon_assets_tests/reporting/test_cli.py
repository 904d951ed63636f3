"""`recon report --date D` and the demo's closing view, on a stored report."""

from __future__ import annotations

from typer.testing import CliRunner

from recon_assets.cli import app
from recon_assets.reporting.cli import print_slack_view
from recon_assets.reporting.narrative import build_narrative, render
from recon_assets.reporting.store import ReportFiles
from recon_assets_tests.reporting.test_narrative import NIGHT, brk, night


def _store(settings) -> None:
    facts = night(*[brk(i, key=f"<{i}>") for i in range(20)])
    ReportFiles(reports_dir=str(settings.reports_dir)).write(render(facts, build_narrative(facts)))


def test_report_prints_the_stored_markdown(settings):
    _store(settings)
    result = CliRunner().invoke(app, ["report", "--date", NIGHT])
    assert result.exit_code == 0, result.output
    assert result.output == (settings.reports_dir / f"{NIGHT}.md").read_text(encoding="utf-8")


def test_report_as_slack_shows_it_and_a_night_without_a_report(settings):
    _store(settings)
    shown = CliRunner().invoke(app, ["report", "--date", NIGHT, "--slack"]).output
    assert shown.startswith(f"Reconciliation for {NIGHT} is not clean: 20 breaks need a person.")
    assert "&lt;" not in shown and "*" not in shown
    assert "── in the thread ──" in shown and "open-breaks.csv" in shown
    missing = CliRunner().invoke(app, ["report", "--date", "2026-01-01"])
    assert missing.exit_code == 2 and "No report is stored for 2026-01-01" in missing.output


def test_demo_ends_with_the_slack_view(settings, capsys):
    _store(settings)
    print_slack_view(settings, NIGHT)
    out = capsys.readouterr().out
    assert f"The report for {NIGHT}, as Slack shows it:" in out
    assert "Owner: ecommerce-ops. Age 1 day, genuine error" in out


def test_run_offers_repost():
    assert "--repost" in CliRunner().invoke(app, ["run", "--help"]).output
