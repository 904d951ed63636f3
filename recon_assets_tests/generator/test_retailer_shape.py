"""The sample retailer has the shape issue 2 promises, read from its landing files alone."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from recon_assets_tests.generator.conftest import Sample


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days


def test_web_and_two_showrooms_with_every_tender(clean: Sample):
    web = clean.source("storefront_orders")
    pos = clean.source("pos_transactions")
    assert pos["store_id"].nunique() >= 2
    assert {"card", "paypal", "gift_card"} <= set(web["payment_method"])
    assert {"card", "cash", "gift_card"} <= set(pos["tender"])
    assert {"carry_out", "ship"} <= set(pos["fulfilment"])


def test_two_processors_and_at_least_two_currencies(clean: Sample):
    captures = clean.source("processor_transactions")
    assert captures["processor"].nunique() >= 2
    assert clean.source("oms_orders")["currency"].nunique() >= 2


def test_settlement_lags_one_to_three_days_grouped_into_payouts(clean: Sample):
    lines = clean.source("processor_settlements")
    txns = clean.source("processor_transactions")[["psp_reference", "business_date"]]
    joined = lines.merge(txns, on="psp_reference", suffixes=("", "_txn"))
    assert set(_days(joined["business_date"], joined["business_date_txn"])) == {1, 2, 3}
    assert (lines.groupby("payout_id")["settlement_line_id"].count() > 1).any()


def test_shipments_leave_zero_to_two_days_after_the_sale(clean: Sample):
    web = clean.source("storefront_orders").query("event_type == 'order'")
    parcels = clean.source("shipments").merge(
        web[["order_id", "business_date"]], left_on="order_ref", right_on="order_id"
    )
    assert set(_days(parcels["business_date_x"], parcels["business_date_y"])) == {0, 1, 2}


def test_refunds_come_days_after_some_orders_and_timestamps_near_midnight(clean: Sample):
    web = clean.source("storefront_orders")
    sold = web.query("event_type == 'order'").set_index("order_id")["business_date"]
    refunds = web.query("event_type == 'refund'")
    later = _days(refunds["business_date"], refunds["order_id"].map(sold))
    assert (later >= 1).any()
    hours = {datetime.fromisoformat(ts).hour for ts in web["event_ts"]}
    assert {23, 0} & hours
    # The offset follows the clocks: the range crosses the start of British Summer Time.
    offset = web["event_ts"].str[-6:]
    assert set(offset[web["business_date"] < "2025-03-30"]) == {"+00:00"}
    assert set(offset[web["business_date"] > "2025-03-30"]) == {"+01:00"}
