"""The command line: exceptions as JSON and CSV, convert from configured feeds, generate."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from recon_assets.adapters.config import load_sources
from recon_assets.cli import app
from recon_assets.reconciliation.classify import BREAK_FIELDS
from recon_assets.reconciliation.exceptions import as_csv
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.books import Books, day, reconcile
from recon_assets_tests.conftest import SHARED_FORMATS

runner = CliRunner()


def test_exceptions_prints_every_break_with_the_design_fields(settings, warehouse):
    books = Books()
    books.web_sale(day(1), "1001")
    books.drop("oms_orders", day(1), order_id="1001")
    books.write(settings.landing_dir, 1)
    reconcile(warehouse, settings.landing_dir, load_rules(DEFAULT_RULES_DIR), 1)

    result = runner.invoke(app, ["exceptions", "--date", "2026-05-04", "--format", "json"])
    assert result.exit_code == 0, result.output
    [brk] = json.loads(result.output)
    assert tuple(brk) == BREAK_FIELDS
    assert (brk["check"], brk["key"], brk["class"], brk["age_days"]) == (
        "sale_vs_oms",
        "1001",
        "timing",
        0,
    )
    assert brk["evidence"][0]["fields"]["order_id"] == "1001"

    as_csv = runner.invoke(app, ["exceptions", "--date", "2026-05-04", "--format", "csv"])
    [row] = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert row["break_id"] == brk["break_id"] and row["amount_minor"] == "10000"


def test_exceptions_of_a_night_not_reconciled_says_so(settings):
    result = runner.invoke(app, ["exceptions", "--date", "2026-05-04"])
    assert result.exit_code == 1
    assert "2026-05-04 has not been reconciled" in result.output


def test_convert_feeds_reads_the_configured_exports(settings, tmp_path):
    exports = tmp_path / "exports" / "stripe"
    exports.mkdir(parents=True)
    shutil.copy(
        SHARED_FORMATS / "stripe_balance_change_itemized.sample.csv",
        exports / "Itemised_balance_change_from_activity_2024.csv",
    )
    result = runner.invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 0, result.output
    written = sorted(p.parent.name for p in settings.landing_dir.rglob("*.csv"))
    assert set(written) == {"processor_transactions", "processor_settlements"}


def test_generate_writes_landing_files_and_expected_breaks(tmp_path):
    out = tmp_path / "out"
    args = ["generate", "--out", str(out), "--start", "2026-05-04", "--days", "2"]
    result = runner.invoke(app, [*args, "--orders-per-day", "5", "--breaks", "none"])
    assert result.exit_code == 0, result.output
    assert (out / "expected_breaks.csv").exists()
    assert len(list((out / "ledger_entries").glob("*.csv"))) == 2
    bad = runner.invoke(app, [*args, "--breaks", "no_such_kind=1"])
    assert bad.exit_code != 0


def test_a_feed_without_a_timezone_takes_the_retailers(settings, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "sources.yaml").write_text(
        "feeds:\n  - format: stripe-balance-change\n    path: stripe/*.csv\n"
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules))
    monkeypatch.setenv("RECON_TIMEZONE", "Asia/Tokyo")
    assert [f.timezone for f in load_sources(rules / "sources.yaml", "Asia/Tokyo")] == [
        "Asia/Tokyo"
    ]
    exports = tmp_path / "exports" / "stripe"
    exports.mkdir(parents=True)
    shutil.copy(SHARED_FORMATS / "stripe_balance_change_itemized.sample.csv", exports / "a.csv")
    result = runner.invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 0, result.output
    # Business dates are Tokyo's: a capture at 23:51 UTC lands in the next day's file.
    tokyo = ZoneInfo("Asia/Tokyo")
    placed = [
        (path.stem, datetime.fromisoformat(row["event_ts"]).astimezone(tokyo).date().isoformat())
        for path in (settings.landing_dir / "processor_transactions").glob("*.csv")
        for row in csv.DictReader(path.open())
    ]
    assert placed and all(file_date == tokyo_date for file_date, tokyo_date in placed)
    assert ("2024-05-04", "2024-05-04") in placed


def test_exceptions_csv_defuses_source_data_a_spreadsheet_would_run():
    brk = dict.fromkeys(BREAK_FIELDS, "")
    brk.update(key='=HYPERLINK("http://x")', reason="+cmd", evidence=[], amount_minor=1)
    [row] = list(csv.DictReader(io.StringIO(as_csv([brk]))))
    assert (row["key"], row["reason"]) == ('\'=HYPERLINK("http://x")', "'+cmd")


def test_demo_reconciles_the_last_nights_and_ends_with_last_nights_report(settings):
    result = runner.invoke(app, ["demo", "--orders-per-day", "15"])  # the default 7 nights
    assert result.exit_code == 0, result.output
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert f"Open breaks on {yesterday}" in result.output  # the exceptions summary
    tail = result.output[result.output.index("as Slack shows it") :]
    assert f"Reconciliation for {yesterday} is" in tail  # last night's report comes last
    assert (settings.reports_dir / f"{yesterday}.md").exists()
