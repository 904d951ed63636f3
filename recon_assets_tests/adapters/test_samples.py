"""Every real sample converts, with row counts and money checked against hand-made figures.

Expected figures were worked out from the sample files themselves (reading the CSV in a
spreadsheet / by eye), never by running the adapters; each comment says how.
"""

from __future__ import annotations

import pytest

from recon_assets.adapters import FORMATS
from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.sources.landing import parse_landing_file
from recon_assets_tests.adapters.conftest import by, read_source, total

SAMPLE_FORMATS = {
    "shopify_orders.sample.csv": "shopify-orders",
    "shopify_orders_2021.sample.csv": "shopify-orders",
    "shopify_payments_transactions.sample.csv": "shopify-payments",
    "stripe_balance_change_itemized.sample.csv": "stripe-balance-change",
    "stripe_payouts_itemized.sample.csv": "stripe-payouts",
    "stripe_balance_history_legacy.sample.csv": "stripe-balance-history",
    "adyen_settlement_details.sample.csv": "adyen-settlement",
    "adyen_settlement_details_fx.sample.csv": "adyen-settlement",
    "adyen_settlement_details_2025layout.sample.csv": "adyen-settlement",
    "paypal_stl.sample.csv": "paypal-stl",
    "paypal_stl_with_file_headers.sample.csv": "paypal-stl",
    "paypal_trr.sample.csv": "paypal-trr",
}


def test_every_sample_is_listed(samples):
    assert sorted(p.name for p in samples.glob("*.sample.csv")) == sorted(SAMPLE_FORMATS)
    assert set(SAMPLE_FORMATS.values()) <= set(FORMATS)


@pytest.mark.parametrize("name", sorted(SAMPLE_FORMATS))
def test_every_sample_converts_to_valid_landing_files(samples, run, name):
    summary, _ = run(SAMPLE_FORMATS[name], samples / name)
    assert summary.rows > 0 and summary.files
    for path in summary.files:
        # the project's own landing reader (pandera models) accepts what was written
        parse_landing_file(path, SOURCES_BY_NAME[path.parent.name])
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == ",".join(SOURCES_BY_NAME[path.parent.name].columns)


def test_shopify_orders_2025(samples, run):
    _, landing = run("shopify-orders", samples / "shopify_orders.sample.csv")
    rows = read_source(landing, "storefront_orders")
    # 64 line-item rows; 20 of them carry Financial Status (first row of an order) -> 20
    # orders; only #1095 has a Refunded Amount (1.54) -> one refund event.
    assert len(rows) == 21
    # Sum of `Total` over the 20 first rows: 220.06 + 54.53 + ... + 171.56 = 2238.95 CAD.
    assert total(rows, "amount_minor", event_type="order") == 223895
    # Sum of `Lineitem quantity` over all 64 rows = 176 units.
    assert total(rows, "units", event_type="order") == 176
    assert [(r["order_id"], r["amount_minor"]) for r in rows if r["event_type"] == "refund"] == [
        ("1095", "154")
    ]
    # #1058: 6 line rows of quantity 1, Total 220.06, gateway "Stripe + ..." -> card.
    first = next(r for r in rows if r["event_id"] == "1058:order")
    assert (first["amount_minor"], first["units"], first["payment_method"]) == (
        "22006",
        "6",
        "card",
    )
    assert first["event_ts"] == "2025-03-20T05:20:57-07:00"  # vendor offset kept
    # #1109 was paid by "PayPal Express Checkout".
    assert next(r for r in rows if r["order_id"] == "1109")["payment_method"] == "paypal"


def test_shopify_orders_2021_has_75_columns_and_multiline_notes(samples, run):
    _, landing = run("shopify-orders", samples / "shopify_orders_2021.sample.csv")
    rows = read_source(landing, "storefront_orders")
    # 48 rows, 22 orders (#13519..#13540), no refunds; Sum of Total = 75732.00 ZAR;
    # Sum of Lineitem quantity over the 48 rows = 48.
    assert len(rows) == 22
    assert total(rows, "amount_minor") == 7573200
    assert total(rows, "units") == 48
    # #13531 (6 lines, Total 33017.00, pending, gateway "custom" -> other).
    order = next(r for r in rows if r["order_id"] == "13531")
    assert (order["amount_minor"], order["units"], order["payment_method"]) == (
        "3301700",
        "6",
        "other",
    )


def test_shopify_payments(samples, run):
    _, landing = run("shopify-payments", samples / "shopify_payments_transactions.sample.csv")
    txns = read_source(landing, "processor_transactions")
    lines = read_source(landing, "processor_settlements")
    # 60 data rows: 59 `charge`, 1 `refund` (#41973, -179.55); all Payout Status paid.
    assert len(txns) == 60 and len(lines) == 60
    # Column sums of the charge rows: Amount 4410.03, Fee 118.20.
    assert total(txns, "amount_minor", txn_type="capture") == 441003
    assert total(txns, "fee_minor", txn_type="capture") == 11820
    assert total(txns, "amount_minor", txn_type="refund") == 17955
    # Payout 2025-06-30 = Net of #43014 (203.20) + #43012 (52.40) + refund #41973 (-179.55);
    # payout 2025-07-03 = #43033 (62.16) + #43031 (73.12). The other two are sums of the Net
    # column filtered on Payout Date (3186.92 and 714.03).
    assert by(lines, "payout_id", "net_minor") == {
        "shopify-2025-06-30-USD": 7605,
        "shopify-2025-07-01-USD": 318692,
        "shopify-2025-07-02-USD": 71403,
        "shopify-2025-07-03-USD": 13528,
    }
    # A settlement line lands in the file of its payout date.
    assert {r["_date"] for r in lines} == {"2025-06-30", "2025-07-01", "2025-07-02", "2025-07-03"}


def test_stripe_balance_change(samples, run):
    name = "stripe_balance_change_itemized.sample.csv"
    _, landing = run("stripe-balance-change", samples / name)
    txns = read_source(landing, "processor_transactions")
    lines = read_source(landing, "processor_settlements")
    # 43 rows: 29 reporting_category=charge (gross 515.00, fee 13.89), 14 refund (-265.00).
    assert len(txns) == 43 and len(lines) == 43
    assert total(txns, "amount_minor", txn_type="capture") == 51500
    assert total(txns, "fee_minor", txn_type="capture") == 1389
    assert total(txns, "amount_minor", txn_type="refund") == 26500
    payouts = by(lines, "payout_id", "net_minor")
    # po_1PDdJw...: net 29.35 + 9.65 + 19.50 + 9.65 = 68.15, which is also the gross of that
    # payout in stripe_payouts_itemized.sample.csv; po_1PBrmJ...: one charge, 14.57 (ditto).
    assert payouts["po_1PDdJwGtEGgLrOjaWVnwvXAP"] == 6815
    assert payouts["po_1PBrmJGtEGgLrOjaqZqU8Phj"] == 1457
    # Debit payout po_1Q8EMs... (-30.00 in the payouts file) holds one refund of -30.00.
    assert payouts["po_1Q8EMsGtEGgLrOjamkPYhNH5"] == -3000
    assert len(payouts) == 16  # distinct automatic_payout_id values in the sample


def test_stripe_payouts(samples, run):
    _, landing = run("stripe-payouts", samples / "stripe_payouts_itemized.sample.csv")
    lines = read_source(landing, "processor_settlements")
    # 39 payout rows; gross column sum = 4117.60; three debit payouts are negative.
    assert len(lines) == 39
    assert total(lines, "net_minor") == 411760
    assert sorted(int(r["gross_minor"]) for r in lines if r["gross_minor"].startswith("-")) == [
        -3000,
        -2035,
        -2000,
    ]
    payouts = by(lines, "payout_id", "net_minor")
    assert payouts["po_1PDdJwGtEGgLrOjaWVnwvXAP"] == 6815


def test_stripe_legacy_balance_history(samples, run):
    _, landing = run("stripe-balance-history", samples / "stripe_balance_history_legacy.sample.csv")
    txns = read_source(landing, "processor_transactions")
    # Type counts: charge 40 (Amount 143.66, Fee 17.08), payment 13 (51.87, 5.63), refund 1
    # (-3.99), payment_refund 3 (-11.97); stripe_fee 41 and payout 2 are not transactions.
    assert len(txns) == 57
    assert total(txns, "amount_minor", txn_type="capture") == 14366 + 5187
    assert total(txns, "fee_minor", txn_type="capture") == 1708 + 563
    assert total(txns, "amount_minor", txn_type="refund") == 399 + 1197
    assert {r["currency"] for r in txns} == {"NZD"}
    # `Transfer` is empty on every row: nothing is attributable to a payout yet.
    assert read_source(landing, "processor_settlements") == []


def test_adyen_classic_chargeback(samples, run):
    summary, landing = run("adyen-settlement", samples / "adyen_settlement_details.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    # Chargeback: Gross Debit 1.00 USD, Net Debit 3.00, Commission 2.00.
    assert (txn["txn_type"], txn["amount_minor"], txn["fee_minor"]) == ("chargeback", "100", "200")
    assert txn["event_ts"] == "2016-02-10T10:25:36-08:00"  # PST
    lines = read_source(landing, "processor_settlements")
    # Chargeback line -1.00 gross, 2.00 fee, -3.00 net; batch Fee row: Net Debit 1.80, a fee
    # of the batch (gross 0). The MerchantPayout row (Net Currency USD, Net Debit 4.03) is the
    # payout itself, not a line: skipped, counted with its money.
    assert sorted((int(r["gross_minor"]), int(r["fee_minor"])) for r in lines) == [
        (-100, 200),
        (0, 180),
    ]
    assert total(lines, "net_minor") == -480
    assert [(s.rows, s.currency, s.amount_minor) for s in summary.skipped] == [(1, "USD", 403)]
    assert "MerchantPayout" in summary.skipped[0].reason
    # MerchantPayout created 2016-02-15 21:29:37 PST = 2016-02-16 05:29 in London.
    assert {(r["payout_id"], r["settled_date"]) for r in lines} == {
        ("WikimediaCOM-batch-3", "2016-02-16")
    }


def test_adyen_fx_and_2025_layout(samples, run):
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details_fx.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    (line,) = read_source(landing, "processor_settlements")
    # Gross Credit 5.35 EUR; Net Credit 5.43 USD + Commission 0.27 = 5.70 USD gross.
    assert (txn["currency"], txn["amount_minor"]) == ("EUR", "535")
    assert (line["currency"], line["gross_minor"], line["fee_minor"], line["net_minor"]) == (
        "USD",
        "570",
        "27",
        "543",
    )
    _, landing = run("adyen-settlement", samples / "adyen_settlement_details_2025layout.sample.csv")
    (line,) = [
        r
        for r in read_source(landing, "processor_settlements")
        if r["psp_reference"] == "FVD6HH297FKD7K69"
    ]
    # Net Debit 0.03; fees 0 + 0.04 + 0.1 = 0.14 (Payment Fees 0.14 not added again);
    # gross = -0.03 + 0.14 = 0.11 (= 10 INR x 0.011).
    assert (line["gross_minor"], line["fee_minor"], line["net_minor"]) == ("11", "14", "-3")


def test_paypal_stl(samples, run):
    summary, landing = run("paypal-stl", samples / "paypal_stl.sample.csv")
    txns = read_source(landing, "processor_transactions")
    lines = read_source(landing, "processor_settlements")
    # SB rows: two T0006 AUD credits 5200 + 535 (fees DR 225 + 75), T0003 GBP 834 (fee 87),
    # T1107 refund DR 134 GBP (fee CR 47), T0400 withdrawal DR 100 GBP. The SF footers agree:
    # AUD gross credit 5735, fee 300; GBP credit 834, debit 134, fee 87 / 47.
    assert by([t for t in txns if t["txn_type"] == "capture"], "currency", "amount_minor") == {
        "AUD": 5735,
        "GBP": 834,
    }
    assert total(txns, "fee_minor", currency="AUD") == 300
    assert total(txns, "amount_minor", txn_type="refund") == 134
    # Lines: the 4 transactions. Skipped and counted: the withdrawal (the payout itself) and
    # the 0.47 fee PayPal returned on the refund (a negative fee has no canonical line).
    assert len(lines) == 4
    # GBP net: (834 - 87) - 134 = 613; AUD net: 5735 - 300 = 5435.
    assert by(lines, "currency", "net_minor") == {"AUD": 5435, "GBP": 613}
    assert sorted((s.reason[:22], s.rows, s.amount_minor) for s in summary.skipped) == [
        ("PayPal fee returned on", 1, 47),
        ("PayPal withdrawal to t", 1, -100),
    ]
    assert {r["payout_id"] for r in lines} == {
        "paypal-EZ782AXEUJUW8-2026-01-06-AUD",
        "paypal-EZ782AXEUJUW8-2026-01-06-GBP",
    }


def test_paypal_stl_with_file_headers_and_conversion_legs(samples, run):
    summary, landing = run("paypal-stl", samples / "paypal_stl_with_file_headers.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    assert (txn["txn_type"], txn["currency"], txn["amount_minor"]) == ("refund", "BRL", "1500")
    lines = read_source(landing, "processor_settlements")
    # The refund's line only (-15.00 BRL): the two T0200 legs (USD -2.11, BRL +11.62) move
    # money between PayPal balances and the fee return (BRL 3.38) has no canonical record;
    # none becomes an orphan settlement line, each is counted with its money.
    assert by(lines, "currency", "net_minor") == {"BRL": -1500}
    assert [(s.reason[:26], s.currency, s.rows, s.amount_minor) for s in summary.skipped] == [
        ("PayPal currency conversion", "BRL", 1, 1162),
        ("PayPal currency conversion", "USD", 1, -211),
        ("PayPal fee returned on a r", "BRL", 1, 338),
    ]


def test_paypal_trr_jpy_implied_decimals(samples, run):
    _, landing = run("paypal-trr", samples / "paypal_trr.sample.csv")
    (txn,) = read_source(landing, "processor_transactions")
    # `15000` JPY with 2 implied decimals = 150 yen = 150 minor units (JPY exponent 0);
    # fee `4300` = 43 yen. Trailer rows SF/SC/RF/RC/FF are skipped.
    assert (txn["currency"], txn["amount_minor"], txn["fee_minor"]) == ("JPY", "150", "43")
    assert read_source(landing, "processor_settlements") == []
