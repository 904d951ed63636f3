"""Issue 13 points 4 and 5 on the real samples: order keys from the field the vendor uses,
and vendor edge rows mapped to what they mean or skipped with a counted reason.

Expected figures were read off the sample files by eye, never by running the adapters.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from rich.console import Console
from typer.testing import CliRunner

from recon_assets.adapters import AdapterError, convert, render_summary
from recon_assets.adapters.config import SourcesConfigError, load_sources
from recon_assets.cli import app
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.adapters.conftest import read_source
from recon_assets_tests.books import opened, reconcile

STRIPE = "stripe_balance_change_itemized.sample.csv"


def _orders(landing) -> dict[str, str]:
    return {
        r["psp_reference"]: r["order_ref"] for r in read_source(landing, "processor_transactions")
    }


# --- point 4: order keys ----------------------------------------------------------------


def test_stripe_without_order_metadata_says_which_field_is_empty(samples, run):
    # The sample has a payment_metadata[order_id] column, empty on all 29 charges and 14
    # refunds: no transaction may take its charge id as the order key.
    summary, landing = run("stripe-balance-change", samples / STRIPE)
    orders = _orders(landing)
    assert len(orders) == 43
    assert orders["ch_3PBjvdGtEGgLrOja18CqHpJS"] == (
        "missing-order-key:metadata.order_id:ch_3PBjvdGtEGgLrOja18CqHpJS"
    )
    assert all(o.startswith("missing-order-key:metadata.order_id:") for o in orders.values())
    assert summary.missing_keys == {"metadata.order_id": 43}
    console = Console(width=200, record=True)
    console.print(render_summary(summary))
    assert "43 processor record(s) without an order key: field 'metadata.order_id' is empty" in (
        console.export_text()
    )


def test_stripe_order_key_from_the_description_or_any_metadata_field(samples, run, write, tmp_path):
    _, landing = run("stripe-balance-change", samples / STRIPE, order_key="description")
    # First row: charge ch_3PBjvd... described "Youth Class 10-14".
    assert _orders(landing)["ch_3PBjvdGtEGgLrOja18CqHpJS"] == "Youth Class 10-14"
    header, first, second = (samples / STRIPE).read_text(encoding="utf-8").splitlines()[:3]
    # The sample's first two charges, the first with its shop order number filled in.
    filled = first.replace('"Youth Class 10-14"', '"Youth Class 10-14","80213"', 1)
    blank = second.replace('"Youth Class 6-9"', '"Youth Class 6-9",""', 1)
    header = header.replace('"description"', '"description","payment_metadata[shop_order]"', 1)
    path = write("meta.csv", "\n".join([header, filled, blank]) + "\n")
    convert("stripe-balance-change", path, tmp_path / "meta", order_key="metadata.shop_order")
    assert _orders(tmp_path / "meta") == {
        "ch_3PBjvdGtEGgLrOja18CqHpJS": "80213",
        "ch_3PCHV6GtEGgLrOja0oWx1vCL": "missing-order-key:metadata.shop_order:"
        "ch_3PCHV6GtEGgLrOja0oWx1vCL",
    }


def test_paypal_invoice_id_by_default_or_the_custom_field(samples, run):
    _, landing = run("paypal-stl", samples / "paypal_stl.sample.csv")
    # Invoice IDs of the four transactions: 2444.1, 2443.1, 2213.15, 2216.15.
    assert _orders(landing) == {"5678": "2444.1", "6789": "2443.1", "68C7": "2213.15",
                                "6899": "2216.15"}  # fmt: skip
    _, landing = run("paypal-stl", samples / "paypal_stl.sample.csv", order_key="custom_field")
    # Only 68C7 has a Custom Field (1BNiJizt4I507Sxkgn4DRX).
    orders = _orders(landing)
    assert orders["68C7"] == "1BNiJizt4I507Sxkgn4DRX"
    assert orders["5678"] == "missing-order-key:custom_field:5678"


def test_adyen_merchant_reference_and_shopify_payments_order_name(samples, run):
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details.sample.csv")
    # The chargeback's Merchant Reference is 92598318.0; its psp reference the modification.
    assert _orders(landing) == {"4555568869855336": "92598318.0"}
    _, landing = run("shopify-payments", samples / "shopify_payments_transactions.sample.csv")
    # First row: charge of order #43033 -> 43033 (the order name without '#').
    assert "43033" in {r["order_ref"] for r in read_source(landing, "processor_transactions")}
    _, landing = run(
        "shopify-payments",
        samples / "shopify_payments_transactions.sample.csv",
        order_key="checkout",
    )
    # ... and its Checkout, #35756536135773.
    checkouts = {r["order_ref"] for r in read_source(landing, "processor_transactions")}
    assert "35756536135773" in checkouts


def test_an_order_key_the_vendor_does_not_have_is_refused(samples, run, tmp_path):
    with pytest.raises(AdapterError, match="order_key 'invoice' is not one of invoice_id"):
        run("paypal-stl", samples / "paypal_stl.sample.csv", order_key="invoice")
    with pytest.raises(AdapterError, match="shopify-orders records carry no order key"):
        run("shopify-orders", samples / "shopify_orders.sample.csv", order_key="order")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "feeds:\n"
        "  - format: stripe-balance-change\n    path: s/*.csv\n    order_key: metadata.order_id\n"
        "  - format: adyen-settlement\n    path: a/*.csv\n    order_key: psp\n"
    )
    with pytest.raises(SourcesConfigError, match=r"line 5: order_key 'psp' is not one of"):
        load_sources(sources)


def test_convert_feeds_takes_the_order_key_of_each_feed(settings, samples, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "sources.yaml").write_text(
        "feeds:\n  - format: stripe-balance-change\n    path: stripe/*.csv\n"
        "    order_key: description\n"
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules))
    exports = tmp_path / "exports" / "stripe"
    exports.mkdir(parents=True)
    shutil.copy(samples / STRIPE, exports / "a.csv")
    result = CliRunner().invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 0, result.output
    assert _orders(settings.landing_dir)["ch_3PBjvdGtEGgLrOja18CqHpJS"] == "Youth Class 10-14"


# --- point 5: vendor edge rows ----------------------------------------------------------


def test_stripe_payout_rows_are_skipped_and_counted(samples, run):
    summary, landing = run(
        "stripe-balance-history", samples / "stripe_balance_history_legacy.sample.csv"
    )
    # Two Type=payout rows, -93.57 and -16.37 NZD: the payouts themselves, no line. The 41
    # stripe_fee rows (-0.03 or so each, -1.44 in all) have no Transfer: no line yet.
    assert [(s.reason, s.currency, s.rows, s.amount_minor) for s in summary.skipped] == [
        ("Stripe payout row: the money leaving the balance, not a line of a payout", "NZD", 2,
         -10994),
        ("Stripe stripe_fee row in no payout yet: a line once a payout carries it", "NZD", 41,
         -144),
    ]  # fmt: skip
    ids = {r["settlement_line_id"] for r in read_source(landing, "processor_settlements")}
    assert not any(i.startswith("po_") for i in ids)


def test_stripe_transfer_row_is_skipped_and_counted(samples, run, write):
    header, first = (samples / STRIPE).read_text(encoding="utf-8").splitlines()[:2]
    # The sample's first row recategorised as a Connect transfer out of the balance.
    transfer = first.replace('"charge"', '"transfer"')
    transfer = transfer.replace('"15.00","0.43","14.57"', '"-15.00","0.00","-15.00"')
    summary, landing = run("stripe-balance-change", write("t.csv", f"{header}\n{transfer}\n"))
    assert read_source(landing, "processor_settlements") == []
    assert [(s.rows, s.currency, s.amount_minor) for s in summary.skipped] == [(1, "GBP", -1500)]
    assert summary.skipped[0].reason.startswith("Stripe transfer row")


def test_shopify_gift_card_and_zero_amount_orders(samples, run, write):
    lines = (samples / "shopify_orders.sample.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0]
    columns = header.split(",")
    ships = columns.index("Lineitem requires shipping")
    total = columns.index("Total")

    def row(name: str, total_value: str, quantity: str, requires_shipping: str) -> str:
        cells = [""] * len(columns)
        values = {"Name": name, "Currency": "CAD", "Created at": "2025-04-01 17:18:52 -0700",
                  "Lineitem quantity": quantity, "Refunded Amount": "0.00",
                  "Payment Method": "Shopify Payments"}  # fmt: skip
        for key, value in values.items():
            cells[columns.index(key)] = value
        cells[total], cells[ships] = total_value, requires_shipping
        return ",".join(cells)

    path = write(
        "orders.csv",
        "\n".join([
            header,
            row("#2001", "50.00", "1", "false"),  # a gift card bought: sold, never shipped
            row("#2002", "0.00", "2", "true"),  # a free replacement: ships, nothing to capture
            row("#2003", "80.00", "1", "true"),  # a mug and a gift card in one order
            row("#2003", "", "1", "false"),
        ]) + "\n",
    )  # fmt: skip
    summary, landing = run("shopify-orders", path)
    orders = {r["order_id"]: r for r in read_source(landing, "storefront_orders")}
    assert {o: (r["amount_minor"], r["units"]) for o, r in orders.items()} == {
        "2001": ("5000", "0"),
        "2002": ("0", "2"),
        "2003": ("8000", "1"),
    }
    assert summary.skipped == []


def test_the_stripe_sample_reconciled_reports_each_missing_key_as_a_mapping_break(
    samples, run, tmp_path
):
    # The sample's first day, 2024-05-01 (London): one charge, ch_3PBjvd... of GBP 15.00,
    # with payment_metadata[order_id] empty. Reconciled as the assets do.
    _, landing = run("stripe-balance-change", samples / STRIPE)
    warehouse = DuckDBWarehouse(database=str(tmp_path / "recon.duckdb"))
    [night] = reconcile(warehouse, landing, load_rules(DEFAULT_RULES_DIR), 1, date(2024, 5, 1))
    key = "missing-order-key:metadata.order_id:ch_3PBjvdGtEGgLrOja18CqHpJS"
    assert opened(night) == {
        ("sale_vs_capture", key, "mapping"),  # not "a capture with no sale"
        ("capture_vs_settlement", "ch_3PBjvdGtEGgLrOja18CqHpJS", "timing"),  # paid out later
    }
    assert (
        night.set_index("key")
        .loc[key, "reason"]
        .startswith(
            "Capture ch_3PBjvdGtEGgLrOja18CqHpJS of GBP 15.00 has no order key: its stripe field "
            "'metadata.order_id' is empty."
        )
    )


def test_convert_feeds_writes_nothing_when_any_export_is_bad(
    settings, samples, tmp_path, monkeypatch
):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "sources.yaml").write_text(
        "feeds:\n  - format: stripe-balance-change\n    path: stripe/*.csv\n"
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules))
    exports = tmp_path / "exports" / "stripe"
    exports.mkdir(parents=True)
    shutil.copy(samples / STRIPE, exports / "a.csv")
    # The same sample, its first charge's gross mangled as a spreadsheet might.
    text = (samples / STRIPE).read_text(encoding="utf-8")
    (exports / "b.csv").write_text(text.replace('"15.00","0.43"', '"15,0x","0.43"', 1))
    result = CliRunner().invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 2
    assert result.output.strip() == "b.csv, line 2, column 'gross': '15,0x' is not an amount"
    assert list(settings.landing_dir.rglob("*.csv")) == []  # a.csv was not written either


def test_two_exports_of_one_record_must_agree(settings, samples, tmp_path, monkeypatch):
    """PayPal's STL and TRR both list a settled transaction: converted together they give it
    once; if they disagree (another fee), the conversion says which files and which record,
    exit code 2, and writes nothing, instead of letting the later silently win."""
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "sources.yaml").write_text(
        "feeds:\n"
        "  - format: paypal-stl\n    path: paypal/STL-*.CSV\n"
        "  - format: paypal-trr\n    path: paypal/TRR-*.CSV\n"
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules))
    exports = tmp_path / "exports" / "paypal"
    exports.mkdir(parents=True)
    text = (samples / "paypal_stl.sample.csv").read_text(encoding="utf-8")
    (exports / "STL-20260106.01.009.CSV").write_text(text)
    (exports / "TRR-20260106.01.010.CSV").write_text(text)
    runner = CliRunner()
    result = runner.invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 0, result.output
    rows = read_source(settings.landing_dir, "processor_transactions")
    assert len(rows) == len({r["psp_reference"] for r in rows}) > 0
    shutil.rmtree(settings.landing_dir)
    # The TRR's first sale with a fee of 2.26 instead of the STL's 2.25.
    assert '"DR",225,"AUD"' in text
    (exports / "TRR-20260106.01.010.CSV").write_text(
        text.replace('"DR",225,"AUD"', '"DR",226,"AUD"')
    )
    result = runner.invoke(app, ["convert", "--feeds", str(tmp_path / "exports")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "STL-20260106.01.009.CSV and TRR-20260106.01.010.CSV give two different"
        " processor_transactions rows for psp_reference '5678'; convert one of them"
    )
    assert not settings.landing_dir.exists() or list(settings.landing_dir.rglob("*.csv")) == []
