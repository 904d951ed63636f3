"""One test (or more) per cross-format gotcha of ../shared/formats/README.md (numbered as there).

Inline exports reproduce the layouts the samples do not show; expected values are worked
out by hand in the comments.
"""

from __future__ import annotations

import pytest

from recon_assets.adapters import AdapterError, paypal
from recon_assets.adapters.common import parse_decimal
from recon_assets_tests.adapters.conftest import by, read_source, total

SHOPIFY_PAYMENTS_HEADER = (
    "Transaction Date,Type,Order,Card Brand,Card Source,Payout Status,Payout Date,"
    "Available On,Amount,Fee,Net,Checkout,Payment Method Name,Presentment Amount,"
    "Presentment Currency,Currency\n"
)
SQUARE_HEADER = (
    "Date,Time,Time Zone,Gross Sales,Total Collected,Source,Card,Cash,Square Gift Card,"
    "Other Tender,Fees,Net Total,Transaction ID,Payment ID,Description,Event Type,Deposit ID,"
    "Location,Dining Option,Transaction Status\n"
)
QBO_GL = """\
Craft Co
General Ledger
"January 1 - December 31, 2024"

,Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance
4000 Sales,,,,,,,,
,01/15/2024,Invoice,1001,Customer A,Order 1001,Accounts Receivable,"-4,250.00","-4,250.00"
,01/16/2024,Invoice,1002,Customer B,Order 1002,Accounts Receivable,$(250.00),"-4,500.00"
Total for 4000 Sales,,,,,,,"$-4,500.00",
6100 Processor fees,,,,,,,,
,01/31/2024,Expense,PO-7,Stripe,Fees,Bank,12.30,12.30
Total for 6100 Processor fees,,,,,,,$12.30,
TOTAL,,,,,,,"$-4,487.70",
"""
XERO_GL = """\
Account Transactions
Demo Company (UK)
For the period 1 January 2024 to 31 December 2024

Date,Source,Description,Reference,Debit,Credit,Running Balance,Gross,Tax
Sales (4000)
Opening Balance,,,,,,0.00,,
02 Sep 2024,Receivable Invoice,Web order,1001,,120.00,120.00,,
03 Sep 2024,Receivable Invoice,Web order,1002,,"1,030.50","1,150.50",,
Total Sales (4000),,,,0.00,"1,150.50",,,
Closing Balance,,,,,,"1,150.50",,
Bank (1000)
30 Sep 2024,Spend Money,Stripe payout,po_1,"1,000.00",,"1,000.00",,
Total Bank (1000),,,,"1,000.00",0.00,,,
Total,,,,"1,000.00","1,150.50",,,
"""


# 1. Sign conventions -----------------------------------------------------------------


def test_1_shopify_payments_signed_refund_becomes_positive_refund(run, write):
    path = write(
        "payments.csv",
        SHOPIFY_PAYMENTS_HEADER
        + "2025-06-28 15:15:52 -0400,refund,#41973,amex,online,paid,2025-06-30,2025-06-28,"
        "-179.55,0.00,-179.55,#1,card,179.55,USD,USD\n",
    )
    _, landing = run("shopify-payments", path)
    (txn,) = read_source(landing, "processor_transactions")
    (line,) = read_source(landing, "processor_settlements")
    assert (txn["txn_type"], txn["amount_minor"]) == ("refund", "17955")  # unsigned
    assert (line["gross_minor"], line["net_minor"]) == ("-17955", "-17955")  # signed


def test_1_shopify_payments_net_must_be_amount_less_fee(run, write):
    path = write(
        "payments.csv",
        SHOPIFY_PAYMENTS_HEADER + "2025-06-30 23:32:39 -0400,charge,#1,visa,online,paid,"
        "2025-07-03,2025-07-03,64.00,1.84,62.00,#2,card,64.00,USD,USD\n",
    )
    with pytest.raises(AdapterError, match=r"payments.csv, line 2, column 'Net'"):
        run("shopify-payments", path)


def test_1_stripe_payout_rows_of_balance_views_are_not_lines(samples, run):
    # legacy Type=payout rows (-93.57, -16.37) are the payouts themselves; none is written.
    _, landing = run("stripe-balance-history", samples / "stripe_balance_history_legacy.sample.csv")
    assert not [
        t for t in read_source(landing, "processor_transactions") if "po_" in t["psp_reference"]
    ]


def test_1_stripe_payout_rows_of_balance_change_are_neither_transactions_nor_lines(
    samples, run, write
):
    # The sample's first row (a charge paid out in po_1PBr...) recategorised as the payout
    # itself: it still carries an automatic_payout_id, yet must become no settlement line.
    lines = (samples / "stripe_balance_change_itemized.sample.csv").read_text().splitlines()
    payout = lines[1].replace('"charge"', '"payout"')
    _, landing = run("stripe-balance-change", write("po.csv", "\n".join([lines[0], payout])))
    assert read_source(landing, "processor_transactions") == []
    assert read_source(landing, "processor_settlements") == []


def test_1_square_refund_negative_with_symbol_and_fees_negative(run, write):
    path = write(
        "square.csv",
        SQUARE_HEADER + "2022-11-10,21:50:48,Pacific Time (US & Canada),$22.50,$22.50,"
        "eCommerce Integrations,$22.50,$0.00,$0.00,$0.00,-$0.95,$21.55,T1,P1,"
        '"2 x Latte, Muffin",Payment,D1,Main St,"",Complete\n'
        "2022-11-11,09:00:00,Pacific Time (US & Canada),-$5.00,-$5.00,Point of Sale,$0.00,"
        "-$5.00,$0.00,$0.00,$0.00,-$5.00,T1,P2,Muffin,Refund,D2,Main St,,Complete\n",
    )
    _, landing = run("square-transactions", path)
    rows = {r["txn_type"]: r for r in read_source(landing, "pos_transactions")}
    sale, refund = rows["sale"], rows["refund"]
    # $22.50 card sale of "2 x Latte, Muffin" (3 units) carrying its Payment ID as psp ref.
    assert (sale["amount_minor"], sale["currency"], sale["units"]) == ("2250", "USD", "3")
    assert (sale["tender"], sale["psp_reference"], sale["store_id"]) == ("card", "P1", "Main St")
    # -$5.00 cash refund -> refund of 500, no psp reference.
    assert (refund["amount_minor"], refund["tender"], refund["psp_reference"]) == (
        "500",
        "cash",
        "",
    )


def test_1_quickbooks_signed_amount_to_debit_and_credit(run, write):
    _, landing = run("quickbooks-gl", write("qbo.csv", QBO_GL), currency="USD")
    rows = read_source(landing, "ledger_entries")
    # Amount -4,250.00 and $(250.00) are credits to 4000; 12.30 is a debit to 6100.
    assert by(rows, "account", "credit_minor") == {"4000": 450000, "6100": 0}
    assert by(rows, "account", "debit_minor") == {"4000": 0, "6100": 1230}
    assert sorted(r["reference"] for r in rows) == ["1001", "1002", "PO-7"]


# 2. Units -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$22.50", "22.50"),
        ("-$0.95", "-0.95"),
        ("$(250.00)", "-250.00"),
        ("(500.00)", "-500.00"),
        ("4,250.00", "4250.00"),
        (".11", "0.11"),
        ("£1,234,567.8", "1234567.8"),
    ],
)
def test_2_amount_notations(text, value):
    assert str(parse_decimal(text)) == value


@pytest.mark.parametrize("text", ["1.23E+022", "12,50", "1,2345.00", "abc"])
def test_2_refused_amounts(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_2_scientific_notation_in_a_money_cell_names_file_line_column(run, write):
    path = write(
        "payments.csv",
        SHOPIFY_PAYMENTS_HEADER + "2025-06-30 23:32:39 -0400,charge,#1,visa,online,paid,"
        "2025-07-03,2025-07-03,6.4E+01,1.84,62.16,#2,card,64.00,USD,USD\n",
    )
    with pytest.raises(AdapterError, match=r"line 2, column 'Amount'.*scientific notation"):
        run("shopify-payments", path)


def test_2_currency_exponent_from_babel_bhd_and_jpy(run, write):
    header = "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\n"
    path = write(
        "stripe.csv",
        header + "txn_1,2024-05-01 10:00:00,bhd,1.250,0.005,1.245,charge\n"
        "txn_2,2024-05-01 11:00:00,jpy,1500,45,1455,charge\n",
    )
    _, landing = run("stripe-balance-change", path)
    rows = by(read_source(landing, "processor_transactions"), "currency", "amount_minor")
    assert rows == {"BHD": 1250, "JPY": 1500}  # 3 decimals for BHD, none for JPY


def test_2_more_decimals_than_the_currency_has_is_an_error(run, write):
    header = "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\n"
    path = write("stripe.csv", header + "txn_1,2024-05-01 10:00:00,jpy,15.5,0,15.5,charge\n")
    with pytest.raises(AdapterError, match=r"line 2, column 'gross'.*more decimals than JPY"):
        run("stripe-balance-change", path)


# 3. Time zones ------------------------------------------------------------------------


def test_3_shopify_offset_changes_at_dst_and_business_day_is_london(run, write):
    path = write(
        "payments.csv",
        SHOPIFY_PAYMENTS_HEADER
        # 2025-11-01 21:30 -0400 = 2025-11-02 01:30 UTC = 01:30 GMT in London (Nov 2nd)
        + "2025-11-01 21:30:00 -0400,charge,#1,visa,online,paid,2025-11-04,2025-11-04,"
        "10.00,0.50,9.50,#1,card,10.00,USD,USD\n"
        # 2025-11-03 18:00 -0500 (after US DST ended) = 23:00 UTC = 23:00 GMT (Nov 3rd)
         + "2025-11-03 18:00:00 -0500,charge,#2,visa,online,paid,2025-11-05,2025-11-05,"
        "20.00,0.80,19.20,#2,card,20.00,USD,USD\n",
    )
    _, landing = run("shopify-payments", path)
    txns = {r["order_ref"]: r for r in read_source(landing, "processor_transactions")}
    assert (txns["1"]["event_ts"], txns["1"]["_date"]) == (
        "2025-11-01T21:30:00-04:00",
        "2025-11-02",
    )
    assert (txns["2"]["event_ts"], txns["2"]["_date"]) == (
        "2025-11-03T18:00:00-05:00",
        "2025-11-03",
    )


def test_3_shopify_orders_sample_order_bucketed_by_london_day(samples, run):
    # #1081 created 2025-03-29 19:06:16 -0700 = 03:06 BST on 2025-03-30 in London.
    _, landing = run("shopify-orders", samples / "shopify_orders.sample.csv")
    order = next(r for r in read_source(landing, "storefront_orders") if r["order_id"] == "1081")
    assert order["_date"] == "2025-03-30"
    # The same order for a Vancouver retailer stays on the 29th.
    _, landing = run(
        "shopify-orders", samples / "shopify_orders.sample.csv", timezone="America/Vancouver"
    )
    order = next(r for r in read_source(landing, "storefront_orders") if r["order_id"] == "1081")
    assert order["_date"] == "2025-03-29"


def test_3_stripe_local_column_read_in_the_file_name_zone(run, write):
    # No _utc column: `created` is report-local; the zone is only in the file name.
    header = "balance_transaction_id,created,currency,gross,fee,net,reporting_category\n"
    path = write(
        "Itemised_balance_change_from_activity_USD_2024-05-01_to_2024-05-31_America-New_York.csv",
        header + "txn_1,2024-05-01 21:30:00,usd,10.00,0.59,9.41,charge\n",
    )
    _, landing = run("stripe-balance-change", path)
    (txn,) = read_source(landing, "processor_transactions")
    # 21:30 EDT = 01:30 UTC = 02:30 BST on 2024-05-02 in London.
    assert (txn["event_ts"], txn["_date"]) == ("2024-05-01T21:30:00-04:00", "2024-05-02")


def test_3_stripe_utc_column_preferred(samples, run):
    _, landing = run("stripe-balance-change", samples / "stripe_balance_change_itemized.sample.csv")
    txn = next(
        r
        for r in read_source(landing, "processor_transactions")
        if r["psp_reference"] == "ch_3PCVt3GtEGgLrOja0DrZjnbf"
    )
    # created_utc 2024-05-03 23:51:34 (created 00:51:34 BST on the 4th) -> London day 4th.
    assert (txn["event_ts"], txn["_date"]) == ("2024-05-03T23:51:34+00:00", "2024-05-04")


def test_3_adyen_abbreviation_flips_pst_pdt(samples, run):
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details_2025layout.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    assert txn["event_ts"] == "2025-10-31T04:05:39-07:00"  # PDT


def test_3_square_rails_zone_name_follows_dst(run, write):
    row = (
        ",{t},Pacific Time (US & Canada),$1.00,$1.00,Point of Sale,$0.00,$1.00,$0.00,$0.00,"
        "$0.00,$1.00,{id},{id},Tea,Payment,D,Shop,,Complete\n"
    )
    path = write(
        "square.csv",
        SQUARE_HEADER
        + "2024-01-15"
        + row.format(t="10:00:00", id="W")
        + "07/15/2024"
        + row.format(t="10:00:00", id="S"),
    )
    _, landing = run("square-transactions", path)
    stamps = {r["txn_id"]: r["event_ts"] for r in read_source(landing, "pos_transactions")}
    assert stamps == {"W": "2024-01-15T10:00:00-08:00", "S": "2024-07-15T10:00:00-07:00"}


def test_3_paypal_fixed_offset_and_late_evening_lands_next_london_day(samples, run):
    _, landing = run("paypal-stl", samples / "paypal_stl.sample.csv")
    txn = next(
        r for r in read_source(landing, "processor_transactions") if r["psp_reference"] == "68C7"
    )
    # 2026/01/06 23:31:39 -0800 = 07:31 GMT on 2026-01-07.
    assert (txn["event_ts"], txn["_date"]) == ("2026-01-06T23:31:39-08:00", "2026-01-07")


def test_3_shipstation_zone_less_dates_localised_to_configured_zone(run, write):
    path = write(
        "ship.csv",
        "Order - Number,Date - Shipped Date,Tracking Number,Carrier,Item - SKU,Item - Qty\n"
        "1001,3/30/2025 12:30:00 AM,1Z1,ups,A,1\n"
        "1002,3/30/2025 4:00:00 PM,1Z2,ups,A,1\n",
    )
    _, landing = run("shipstation-shipments", path, timezone="Europe/London")
    stamps = {r["order_ref"]: r["shipped_ts"] for r in read_source(landing, "shipments")}
    # 00:30 on the DST morning is still GMT; 16:00 the same day is BST.
    assert stamps == {"1001": "2025-03-30T00:30:00+00:00", "1002": "2025-03-30T16:00:00+01:00"}


def test_3_ledger_dates_are_business_dates_as_printed(run, write):
    _, landing = run("xero-gl", write("xero.csv", XERO_GL), timezone="Pacific/Auckland")
    assert {r["_date"] for r in read_source(landing, "ledger_entries")} == {
        "2024-09-02",
        "2024-09-03",
        "2024-09-30",
    }


# 4. Row grain -------------------------------------------------------------------------


def test_4_shopify_line_items_grouped_and_refund_only_as_refunded_amount(samples, run):
    _, landing = run("shopify-orders", samples / "shopify_orders.sample.csv")
    rows = [r for r in read_source(landing, "storefront_orders") if r["order_id"] == "1095"]
    # #1095: 18 units over its line rows, Total 149.44 (unchanged by the refund), refunded 1.54.
    assert sorted((r["event_type"], r["amount_minor"], r["units"]) for r in rows) == [
        ("order", "14944", "18"),
        ("refund", "154", "0"),
    ]


def test_4_shopify_cancelled_order_gives_cancel_event(run, write, samples):
    header = (samples / "shopify_orders.sample.csv").read_text(encoding="utf-8").splitlines()[0]
    cols = header.split(",")
    first = dict.fromkeys(cols, "")
    first.update(
        {
            "Name": "#2001",
            "Financial Status": "voided",
            "Currency": "GBP",
            "Total": "30.00",
            "Created at": "2025-04-01 10:00:00 +0100",
            "Cancelled at": "2025-04-02 09:00:00 +0100",
            "Lineitem quantity": "2",
            "Refunded Amount": "0.00",
            "Payment Method": "Shopify Payments",
        }
    )
    path = write("orders.csv", header + "\n" + ",".join(first[c] for c in cols) + "\n")
    _, landing = run("shopify-orders", path)
    rows = sorted(
        (r["event_type"], r["amount_minor"], r["_date"])
        for r in read_source(landing, "storefront_orders")
    )
    assert rows == [("cancel", "0", "2025-04-02"), ("order", "3000", "2025-04-01")]


def test_4_quickbooks_journal_first_line_fields_carried_forward(run, write):
    path = write(
        "journal.csv",
        "Journal\n\nDate,Transaction Type,Num,Name,Memo/Description,Account,Debit,Credit\n"
        "02/01/2024,Deposit,PAY-9,,Stripe payout,1000 Bank,98.00,\n"
        ",,,,Stripe fees,6100 Processor fees,2.00,\n"
        ",,,,Clearing,1100 Processor clearing,,100.00\n",
    )
    _, landing = run("quickbooks-gl", path)
    rows = read_source(landing, "ledger_entries")
    assert {(r["posting_date"], r["reference"]) for r in rows} == {("2024-02-01", "PAY-9")}
    assert by(rows, "account", "debit_minor") == {"1000": 9800, "6100": 200, "1100": 0}
    assert total(rows, "credit_minor") == 10000


# 5. Payout grouping -------------------------------------------------------------------


def test_5_stripe_payout_key_is_payout_id_not_reused_trace_id(samples, run):
    # STRIPE-FKXO7MXBXHV is the trace id of three debit payouts; they stay three payouts.
    _, landing = run("stripe-payouts", samples / "stripe_payouts_itemized.sample.csv")
    negative = {
        r["payout_id"]
        for r in read_source(landing, "processor_settlements")
        if r["net_minor"].startswith("-")
    }
    assert len(negative) == 3


def test_5_adyen_batch_payout_date_from_merchant_payout_row(samples, run):
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details_fx.sample.csv")
    (line,) = read_source(landing, "processor_settlements")
    # MerchantPayout of batch 630: 2020-02-18 19:53:26 PST = 2020-02-19 03:53 GMT.
    assert (line["payout_id"], line["settled_date"]) == ("WikimediaCOM-batch-630", "2020-02-19")


def test_5_legacy_transfer_column_attributes_lines_to_payouts(run, write):
    header = (
        "id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),"
        "Description,Transfer,Transfer Date (UTC)\n"
    )
    path = write(
        "balance_history.csv",
        header + "txn_1,charge,ch_1,10.00,0.50,9.50,gbp,2025-01-01 10:00,2025-01-03 00:00,x,"
        "po_9,2025-01-03 00:00\n"
        "txn_2,stripe_fee,,-0.10,0.00,-0.10,gbp,2025-01-02 05:00,2025-01-02 05:00,fee,"
        "po_9,2025-01-03 00:00\n"
        "txn_3,payout,po_9,-9.40,0.00,-9.40,gbp,2025-01-03 00:00,2025-01-03 00:00,,,\n",
    )
    _, landing = run("stripe-balance-history", path)
    lines = read_source(landing, "processor_settlements")
    # Lines of po_9: 9.50 - 0.10 = 9.40, the payout row's amount (which is not itself a line).
    assert by(lines, "payout_id", "net_minor") == {"po_9": 940}


# 6. Headers drift ---------------------------------------------------------------------


def test_6_drifted_header_names_missing_column_and_closest_header(run, write):
    path = write(
        "payments.csv",
        SHOPIFY_PAYMENTS_HEADER.replace("Payout Date", "Payout Dt")
        + "2025-06-30 23:32:39 -0400,charge,#1,visa,online,paid,2025-07-03,2025-07-03,"
        "64.00,1.84,62.16,#2,card,64.00,USD,USD\n",
    )
    with pytest.raises(AdapterError) as err:
        run("shopify-payments", path)
    message = str(err.value)
    assert "payments.csv" in message and "'Payout Date'" in message
    assert "closest header found: 'Payout Dt'" in message


def test_6_wrong_export_for_the_format_is_refused(samples, run):
    with pytest.raises(AdapterError, match="missing column"):
        run("shopify-payments", samples / "shopify_orders.sample.csv")


def test_6_adyen_reordered_columns_mapped_by_name(samples, run, write):
    lines = (samples / "adyen_settlement_details_fx.sample.csv").read_text().splitlines()
    import csv
    import io

    table = list(csv.reader(io.StringIO("\n".join(lines))))
    moved = [row[:2] + row[3:] + row[2:3] for row in table]  # Psp Reference to the end
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(moved)
    _, landing = run("adyen-settlement", write("reordered.csv", buffer.getvalue()))
    (txn,) = read_source(landing, "processor_transactions")
    assert (txn["psp_reference"], txn["amount_minor"]) == ("1515876691993221", "535")


def test_6_paypal_double_space_header_variant(samples, run, write):
    text = (samples / "paypal_stl.sample.csv").read_text(encoding="utf-8")
    path = write(
        "stl.csv", text.replace("Transaction Debit or Credit", "Transaction  Debit or Credit")
    )
    _, landing = run("paypal-stl", path)
    assert len(read_source(landing, "processor_transactions")) == 4


def test_6_extra_trailing_and_metadata_columns_ignored(run, write):
    header = (
        "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,"
        "source_id,payment_metadata[order_id],payment_metadata[anything],brand_new_column\n"
    )
    path = write(
        "stripe.csv",
        header + "txn_1,2024-05-01 10:00:00,gbp,10.00,0.35,9.65,charge,ch_1,1042,x,y\n",
    )
    _, landing = run("stripe-balance-change", path)
    (txn,) = read_source(landing, "processor_transactions")
    assert (txn["psp_reference"], txn["order_ref"]) == ("ch_1", "1042")


# 7. Framing ---------------------------------------------------------------------------


def test_7_paypal_bom_and_row_type_prefixes(samples, run):
    raw = (samples / "paypal_stl_with_file_headers.sample.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the sample really has a BOM
    _, landing = run("paypal-stl", samples / "paypal_stl_with_file_headers.sample.csv")
    assert len(read_source(landing, "processor_transactions")) == 1


def test_7_paypal_unknown_row_type_is_an_error(run, write):
    path = write("stl.csv", '"CH","Transaction ID"\n"XX",1\n')
    with pytest.raises(AdapterError, match=r"stl.csv, line 2: unknown row type 'XX'"):
        run("paypal-stl", path)


def test_7_xero_title_rows_headings_and_totals(run, write):
    _, landing = run("xero-gl", write("xero.csv", XERO_GL))
    rows = read_source(landing, "ledger_entries")
    # Three dated rows; Opening/Closing Balance and the Total rows are not entries.
    assert len(rows) == 3
    assert by(rows, "account", "credit_minor") == {"4000": 12000 + 103050, "1000": 0}
    assert by(rows, "account", "debit_minor") == {"4000": 0, "1000": 100000}
    assert {r["currency"] for r in rows} == {"GBP"}  # default book currency


def test_7_quickbooks_preamble_and_total_rows(run, write):
    _, landing = run("quickbooks-gl", write("qbo.csv", QBO_GL))
    assert len(read_source(landing, "ledger_entries")) == 3  # not the 3 Total/TOTAL rows


def test_7_multiline_quoted_notes_and_apostrophe_zips(samples, run):
    # #13521 has a two-line quoted Notes field; zips like '4001 are simply not used.
    _, landing = run("shopify-orders", samples / "shopify_orders_2021.sample.csv")
    order = next(r for r in read_source(landing, "storefront_orders") if r["order_id"] == "13521")
    assert order["amount_minor"] == "60400"


def test_7_bad_value_error_names_file_line_and_column_after_multiline_field(run, write, samples):
    text = (samples / "shopify_orders_2021.sample.csv").read_text(encoding="utf-8")
    # The Total of #13522 is on physical line 6 (line 4-5 hold #13521's two-line note).
    broken = text.replace(",420.91,3227.00,", ",420.91,32x27.00,", 1)
    with pytest.raises(AdapterError, match=r"line 6, column 'Total': '32x27.00' is not an amount"):
        run("shopify-orders", write("orders.csv", broken))


# 8. Fees ------------------------------------------------------------------------------


def test_8_adyen_split_fee_components_summed(samples, run):
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    assert txn["fee_minor"] == "200"  # Commission 2.00 (the only component filled)


def test_8_batch_level_fee_rows_are_settlement_lines(samples, run):
    # Adyen `Fee` row: Net Debit 1.80, no psp reference: a fee of the batch (gross 0), no
    # transaction.
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details.sample.csv")
    lines = read_source(landing, "processor_settlements")
    fee_line = next(r for r in lines if r["fee_minor"] == "180")
    assert (fee_line["gross_minor"], fee_line["net_minor"]) == ("0", "-180")
    assert fee_line["psp_reference"] == fee_line["settlement_line_id"]


def test_8_stripe_fee_category_is_a_line_not_a_transaction(run, write):
    header = (
        "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,"
        "source_id,automatic_payout_id,automatic_payout_effective_at_utc\n"
    )
    path = write(
        "stripe.csv",
        header + "txn_f,2024-05-01 10:00:00,gbp,-0.08,0.01,-0.09,fee,,po_1,2024-05-03 00:00:00\n",
    )
    _, landing = run("stripe-balance-change", path)
    assert read_source(landing, "processor_transactions") == []
    (line,) = read_source(landing, "processor_settlements")
    # A fee of the payout (gross 0, fee 0.08 + 0.01), not a settlement with no transaction.
    assert (line["gross_minor"], line["fee_minor"], line["net_minor"]) == ("0", "9", "-9")


def test_8_refunds_return_no_fee_but_paypal_returns_part(samples, run):
    summary, landing = run("paypal-stl", samples / "paypal_stl.sample.csv")
    lines = {r["settlement_line_id"]: r for r in read_source(landing, "processor_settlements")}
    # T1107: gross DR 134, fee CR 47 -> refund line -134 (fee 0); the 0.47 returned is no
    # line (it would be an orphan): it is counted as skipped, with its money.
    assert lines["6899"]["net_minor"] == "-134" and "6899:fee-return" not in lines
    assert [(s.reason, s.rows, s.amount_minor) for s in summary.skipped if "fee" in s.reason] == [
        (paypal.FEE_RETURN, 1, 47)
    ]


def test_4_shipstation_item_rows_grouped_per_parcel_and_reimport_duplicates_dropped(run, write):
    path = write(
        "ship.csv",
        "Order - Number,Date - Shipped Date,Tracking Number,Carrier,Item - SKU,Item - Qty\n"
        "1001,4/2/2021 4:00:00 AM,1Z1,ups,A,2\n"
        "1001,4/2/2021 4:00:00 AM,1Z1,ups,B,1\n"
        "1001,4/2/2021 4:00:00 AM,1Z1,ups,B,1\n"  # identical re-import row
        "1001,4/3/2021 9:15:00 AM,1Z2,fedex,C,4\n",  # a second parcel (split shipment)
    )
    _, landing = run("shipstation-shipments", path)
    rows = {r["tracking"]: r for r in read_source(landing, "shipments")}
    # Parcel 1Z1: 2 + 1 units (the duplicate B row not counted); parcel 1Z2: 4 units.
    assert {t: r["units"] for t, r in rows.items()} == {"1Z1": "3", "1Z2": "4"}
    assert rows["1Z1"]["shipment_id"] == "1001:1Z1" and rows["1Z2"]["carrier"] == "fedex"
