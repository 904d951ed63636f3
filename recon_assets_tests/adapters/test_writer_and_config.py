"""Landing writer semantics, the convert summary, and the rules/sources.yaml loader."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from recon_assets.adapters import FORMATS, AdapterError, convert, render_summary
from recon_assets.adapters.config import SourcesConfigError, load_sources
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets_tests.adapters.conftest import read_source

HEADER = "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\n"
ROW_A = "txn_a,2024-05-01 10:00:00,gbp,10.00,0.35,9.65,charge\n"
ROW_B = "txn_b,2024-05-01 11:00:00,gbp,20.00,0.50,19.50,charge\n"


def test_formats_are_exactly_the_issue_list():
    assert FORMATS == (
        "shopify-orders",
        "shopify-payments",
        "stripe-balance-change",
        "stripe-payouts",
        "stripe-balance-history",
        "adyen-settlement",
        "paypal-stl",
        "paypal-trr",
        "shipstation-shipments",
        "square-transactions",
        "xero-gl",
        "quickbooks-gl",
    )


def test_merge_replaces_same_key_keeps_others_sorted(tmp_path, write):
    landing = tmp_path / "landing"
    convert("stripe-balance-change", write("a.csv", HEADER + ROW_B), landing)
    changed = ROW_A.replace("10.00,0.35,9.65", "11.00,0.35,10.65")
    convert("stripe-balance-change", write("b.csv", HEADER + changed), landing)
    convert("stripe-balance-change", write("c.csv", HEADER + ROW_A), landing)
    rows = read_source(landing, "processor_transactions")
    # No source_id column: the balance transaction id is the psp reference; sorted by key.
    assert [(r["psp_reference"], r["amount_minor"]) for r in rows] == [
        ("txn_a", "1000"),
        ("txn_b", "2000"),
    ]


def test_output_is_byte_deterministic_whatever_the_row_order(tmp_path, write):
    one, two = tmp_path / "one", tmp_path / "two"
    convert("stripe-balance-change", write("x.csv", HEADER + ROW_A + ROW_B), one)
    convert("stripe-balance-change", write("y.csv", HEADER + ROW_B + ROW_A), two)
    target = Path("processor_transactions") / "2024-05-01.csv"
    assert (one / target).read_bytes() == (two / target).read_bytes()
    assert (one / target).read_bytes().startswith(b"psp_reference,order_ref,processor,")


def test_existing_file_without_canonical_columns_is_not_clobbered(tmp_path, write):
    landing = tmp_path / "landing"
    target = landing / "processor_transactions" / "2024-05-01.csv"
    target.parent.mkdir(parents=True)
    target.write_text("something,else\n1,2\n")
    with pytest.raises(AdapterError, match="lacks column"):
        convert("stripe-balance-change", write("a.csv", HEADER + ROW_A), landing)
    assert target.read_text() == "something,else\n1,2\n"


def test_bad_row_writes_nothing(tmp_path, write):
    landing = tmp_path / "landing"
    bad = ROW_B.replace("20.00", "twenty")
    with pytest.raises(AdapterError, match=r"a.csv, line 3, column 'gross'"):
        convert("stripe-balance-change", write("a.csv", HEADER + ROW_A + bad), landing)
    assert not landing.exists()


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'stripe'"):
        convert("stripe", tmp_path / "x.csv", tmp_path)
    with pytest.raises(AdapterError, match="no such file"):
        convert("stripe-payouts", tmp_path / "x.csv", tmp_path)


def test_summary_rows_and_money_per_source_day_currency(samples, tmp_path):
    summary = convert("paypal-stl", samples / "paypal_stl.sample.csv", tmp_path)
    lines = {(s.source, s.business_date, s.currency): s for s in summary.lines}
    gbp = lines[("processor_settlements", "2026-01-07", "GBP")]
    # GBP lines: 68C7 (834, fee 87), 6899 (-134); the fee return (+0.47) is skipped.
    assert (gbp.rows, gbp.money) == (2, {"gross": 700, "fee": 87, "net": 613})
    txns = lines[("processor_transactions", "2026-01-07", "GBP")]
    assert txns.money == {"capture": 834, "capture fee": 87, "refund": 134, "refund fee": 0}
    table = render_summary(summary)
    assert isinstance(table, Table)
    console = Console(width=160, record=True)
    console.print(table)
    text = console.export_text()
    assert "GBP 6.13" in text
    # The summary lists what was skipped, with the money, one line per reason and currency.
    assert "skipped 1 row(s): PayPal fee returned on a refund" in text and "(GBP 0.47)" in text
    assert "skipped 1 row(s): PayPal withdrawal to the bank (T04xx)" in text


# --- rules/sources.yaml ------------------------------------------------------------------


def test_repository_sources_yaml_is_valid():
    feeds = load_sources(DEFAULT_RULES_DIR / "sources.yaml")
    assert feeds and all(f.format in FORMATS for f in feeds)


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_sources_unknown_key_names_file_and_line(tmp_path):
    path = _yaml(
        tmp_path,
        "feeds:\n  - format: xero-gl\n    path: a.csv\n  - format: paypal-stl\n"
        "    path: b.csv\n    procesor: paypal\n",
    )
    with pytest.raises(
        SourcesConfigError, match=r"sources.yaml, line 6: feeds.1.procesor: unknown"
    ):
        load_sources(path)


def test_sources_unknown_format_and_zone(tmp_path):
    path = _yaml(tmp_path, "feeds:\n  - format: stripe\n    path: a.csv\n")
    with pytest.raises(SourcesConfigError, match=r"line 2: feeds.0.format: .*unknown format"):
        load_sources(path)
    path = _yaml(
        tmp_path, "feeds:\n  - format: xero-gl\n    path: a.csv\n    timezone: Mars/Base\n"
    )
    with pytest.raises(SourcesConfigError, match=r"line 4: feeds.0.timezone"):
        load_sources(path)


def test_sources_processor_only_on_processor_formats(tmp_path):
    path = _yaml(tmp_path, "feeds:\n  - format: xero-gl\n    path: a.csv\n    processor: x\n")
    with pytest.raises(SourcesConfigError, match=r"line 2: processor is only for processor"):
        load_sources(path)


def test_sources_refuses_two_stripe_settlement_reports_for_one_processor(tmp_path):
    path = _yaml(
        tmp_path,
        "feeds:\n  - format: stripe-balance-change\n    path: a.csv\n"
        "  - format: stripe-payouts\n    path: b.csv\n",
    )
    with pytest.raises(SourcesConfigError, match=r"line 4: stripe-payouts and stripe-balance"):
        load_sources(path)


def test_sources_glob_resolves_files(tmp_path):
    (tmp_path / "exports" / "xero").mkdir(parents=True)
    for name in ("b.csv", "a.csv", "notes.txt"):
        (tmp_path / "exports" / "xero" / name).write_text("")
    path = _yaml(tmp_path, "feeds:\n  - format: xero-gl\n    path: xero/*.csv\n")
    (feed,) = load_sources(path)
    assert [p.name for p in feed.files(tmp_path / "exports")] == ["a.csv", "b.csv"]
    assert (feed.timezone, feed.sources, feed.line) == ("Europe/London", ("ledger_entries",), 2)


def test_quiet_days_of_an_export_are_delivered_as_header_only_files(samples, tmp_path):
    """A day the export covers with no activity for a source is 'delivered, nothing
    happened', not 'not delivered'; a file another export already wrote is left alone."""
    sample = samples / "stripe_balance_change_itemized.sample.csv"
    (tmp_path / "processor_transactions").mkdir()
    summary = convert("stripe-balance-change", sample, tmp_path)
    days = {s.business_date for s in summary.lines}
    assert summary.covered == (min(days), max(days))
    for source in ("processor_transactions", "processor_settlements"):
        active_days = {s.business_date for s in summary.lines if s.source == source}
        first, last = min(active_days), max(active_days)
        for i in range((date.fromisoformat(last) - date.fromisoformat(first)).days + 1):
            day = (date.fromisoformat(first) + timedelta(days=i)).isoformat()
            path = tmp_path / source / f"{day}.csv"
            assert path.exists(), (source, day)
            active = any(s.source == source and s.business_date == day for s in summary.lines)
            header_only = path.read_text().count("\n") == 1
            assert header_only != active and (path in summary.quiet_files) == header_only
    assert summary.quiet_files  # the sample has days without settlements
    console = Console(width=200, record=True)
    console.print(render_summary(summary))
    printed = " ".join(console.export_text().split())
    assert f"covers {min(days)} to {max(days)}" in printed
    assert f"{len(summary.quiet_files)} quiet (header-only)" in printed
    # Converting again writes no quiet file over an existing one, and blanks none with rows.
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.csv")}
    again = convert("stripe-balance-change", sample, tmp_path)
    assert again.quiet_files == []
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.csv")} == before


def _printed(summary) -> str:
    console = Console(width=300, record=True)
    console.print(render_summary(summary))
    return " ".join(console.export_text().split())


def _files(landing: Path, source: str) -> dict[str, bool]:
    """Each landing file of a source by date: True when it is header-only (a quiet day)."""
    return {
        p.stem: p.read_text().count("\n") == 1 for p in sorted((landing / source).glob("*.csv"))
    }


def test_a_stripe_report_named_as_downloaded_covers_its_stated_interval(samples, tmp_path):
    """The Dashboard names a download by its interval (both days included, in the report's
    zone): every day of it is a delivered day of transactions, even with no charge; the
    settlement lines, dated by their payouts, still cover their first to last record."""
    name = "Itemised_balance_change_from_activity_GBP_2024-05-01_to_2025-04-30_Europe-London.csv"
    export = tmp_path / name
    export.write_bytes((samples / "stripe_balance_change_itemized.sample.csv").read_bytes())
    summary = convert("stripe-balance-change", export, tmp_path / "landing")
    transactions = _files(tmp_path / "landing", "processor_transactions")
    assert list(transactions) == [
        (date(2024, 5, 1) + timedelta(days=i)).isoformat() for i in range(365)
    ]
    active = {s.business_date for s in summary.lines if s.source == "processor_transactions"}
    assert {d for d, quiet in transactions.items() if not quiet} == active and len(active) < 30
    settled = {s.business_date for s in summary.lines if s.source == "processor_settlements"}
    assert set(_files(tmp_path / "landing", "processor_settlements")) == {
        (date.fromisoformat(min(settled)) + timedelta(days=i)).isoformat()
        for i in range(
            (date.fromisoformat(max(settled)) - date.fromisoformat(min(settled))).days + 1
        )
    }
    assert summary.stated == ("file name 2024-05-01 to 2025-04-30",)
    assert "(as it states: file name 2024-05-01 to 2025-04-30)" in _printed(summary)
    # Named otherwise, the same rows cover their first to their last record only.
    plain = convert(
        "stripe-balance-change",
        samples / "stripe_balance_change_itemized.sample.csv",
        tmp_path / "plain",
    )
    assert plain.stated == () and "(its first to its last record)" in _printed(plain)
    assert min(_files(tmp_path / "plain", "processor_transactions")) == min(active)


@pytest.mark.parametrize(
    ("zone", "transactions", "settlements"),
    [
        # PayPal's day in PST is 08:00 to 08:00 in London: no London date lies wholly in it,
        # and its lines settle at its end, the next London morning.
        ("Europe/London", [], ["2026-01-07"]),
        ("America/Los_Angeles", ["2026-01-06"], ["2026-01-06"]),
    ],
)
def test_a_paypal_report_covers_its_section_headers(
    samples, tmp_path, zone, transactions, settlements
):
    """The STL sample's SH row states its PayPal day; the TRR sample's SH states 2026-01-06
    while its one transaction is of 2017: a quiet day, delivered, in the retailer's zone."""
    stl = convert("paypal-stl", samples / "paypal_stl.sample.csv", tmp_path / "stl", zone)
    assert stl.stated == ("section 2026/01/06 00:00:00 -0800 to 23:59:59 -0800",)
    stl_files = _files(tmp_path / "stl", "processor_transactions")
    assert all(not quiet for quiet in stl_files.values())  # every stated day had payments
    assert set(transactions) <= set(stl_files)
    assert list(_files(tmp_path / "stl", "processor_settlements")) == settlements
    trr = convert("paypal-trr", samples / "paypal_trr.sample.csv", tmp_path / "trr", zone)
    quiet = [d for d, q in _files(tmp_path / "trr", "processor_transactions").items() if q]
    assert quiet == transactions
    assert trr.quiet_files == [
        tmp_path / "trr" / "processor_transactions" / f"{d}.csv" for d in transactions
    ]
    assert "(as it states: section 2026/01/06 00:00:00 -0800" in _printed(trr)


def test_a_xero_report_covers_the_period_of_its_title_line(tmp_path):
    """Account Transactions as accounting_ledger.md observes it: the title line's period makes
    every date of it a delivered ledger day; without the line, first to last posting."""
    body = (
        "Date,Source,Description,Reference,Debit,Credit,Running Balance\n"
        "Sales (200)\n"
        "02 Mar 2026,Receive Money,Web order 1,1,,12.50,-12.50\n"
        "05 Mar 2026,Receive Money,Web order 2,2,,20.00,-32.50\n"
        "Total Sales (200),,,,0.00,32.50,\n"
    )
    titled = tmp_path / "Account_Transactions.csv"
    titled.write_text(
        "Account Transactions\nSample homeware retailer\n"
        '"For the period 1 March 2026 to 31 March 2026"\n\n' + body
    )
    summary = convert("xero-gl", titled, tmp_path / "titled")
    files = _files(tmp_path / "titled", "ledger_entries")
    assert list(files) == [f"2026-03-{d:02d}" for d in range(1, 32)]
    assert [d for d, quiet in files.items() if not quiet] == ["2026-03-02", "2026-03-05"]
    assert summary.covered == ("2026-03-01", "2026-03-31") and len(summary.quiet_files) == 29
    assert "(as it states: 'For the period 1 March 2026 to 31 March 2026')" in _printed(summary)
    untitled = tmp_path / "General_Ledger.csv"
    untitled.write_text(body)
    convert("xero-gl", untitled, tmp_path / "untitled")
    assert list(_files(tmp_path / "untitled", "ledger_entries")) == [
        "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"
    ]  # fmt: skip
