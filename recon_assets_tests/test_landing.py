"""Pure-function tests: canonical schemas and landing-file parsing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.sources.landing import LandingError, LandingSource, parse_landing_file
from recon_assets_tests.conftest import write_landing

DAY = "2026-03-28"
GOOD_ORDER = {
    "event_id": "e1",
    "order_id": "80001",
    "event_type": "order",
    "event_ts": "2026-03-28T23:59:30+00:00",
    "currency": "GBP",
    "amount_minor": "12050",
    "units": "2",
    "payment_method": "card",
}


def _orders(tmp_path: Path, *overrides: dict[str, str]) -> Path:
    rows = [{**GOOD_ORDER, "event_id": f"e{i}", **o} for i, o in enumerate(overrides, start=1)]
    return write_landing(tmp_path, "storefront_orders", DAY, rows)


def _problems(path: Path, source: str = "storefront_orders") -> list[str]:
    with pytest.raises(LandingError) as caught:
        parse_landing_file(path, SOURCES_BY_NAME[source])
    return [str(p) for p in caught.value.problems]


def test_good_file_parses_to_integer_minor_units_and_keeps_offsets(tmp_path):
    frame = parse_landing_file(
        _orders(tmp_path, {}, {"currency": "JPY", "amount_minor": "1200"}),
        SOURCES_BY_NAME["storefront_orders"],
    )
    assert frame["amount_minor"].tolist() == [12050, 1200]
    assert str(frame["amount_minor"].dtype) == "int64"
    assert frame["event_ts"].iloc[0] == "2026-03-28T23:59:30+00:00"


def test_extra_columns_are_ignored_and_column_order_does_not_matter(tmp_path):
    path = tmp_path / "storefront_orders" / f"{DAY}.csv"
    path.parent.mkdir(parents=True)
    frame = pd.DataFrame([{"note": "x", **dict(reversed(list(GOOD_ORDER.items())))}])
    frame.to_csv(path, index=False)
    parsed = parse_landing_file(path, SOURCES_BY_NAME["storefront_orders"])
    assert list(parsed.columns) == list(SOURCES_BY_NAME["storefront_orders"].columns)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "storefront_orders" / f"{DAY}.csv"
    path.parent.mkdir(parents=True)
    pd.DataFrame([{k: v for k, v in GOOD_ORDER.items() if k != "currency"}]).to_csv(
        path, index=False
    )
    [problem] = _problems(path)
    assert problem.startswith(f"storefront_orders/{DAY}.csv, header, column currency:")
    assert "is missing" in problem


@pytest.mark.parametrize(
    ("override", "column", "expected"),
    [
        ({"amount_minor": "12.50"}, "amount_minor", "'12.50' is not an integer"),
        ({"units": "two"}, "units", "'two' is not an integer"),
        ({"event_ts": "2026-03-28 23:59:30"}, "event_ts", "timestamp with an offset"),
        ({"event_ts": "28/03/2026 23:59+00:00"}, "event_ts", "timestamp with an offset"),
        ({"currency": "gbp"}, "currency", "'gbp' is not an active ISO-4217 currency code"),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an active ISO-4217 currency code"),
        ({"amount_minor": "-5"}, "amount_minor", "'-5' must not be negative"),
        ({"event_type": "return"}, "event_type", "'return' is not one of"),
    ],
)
def test_bad_value_names_file_line_and_column(tmp_path, override, column, expected):
    # The bad row is the second data row: line 3 of the file (the header is line 1).
    problems = _problems(_orders(tmp_path, {}, override))
    assert problems == [
        p
        for p in problems
        if p.startswith(f"storefront_orders/{DAY}.csv, line 3, column {column}:")
    ]
    assert expected in problems[0]


def test_duplicate_key_names_both_lines(tmp_path):
    problems = _problems(_orders(tmp_path, {}, {}, {"event_id": "e1"}))
    assert [p.split(":")[0] for p in problems] == [
        f"storefront_orders/{DAY}.csv, line 2, column event_id",
        f"storefront_orders/{DAY}.csv, line 4, column event_id",
    ]
    assert all("duplicate key" in p for p in problems)


def test_settlement_net_must_equal_gross_less_fee(tmp_path):
    line = {
        "settlement_line_id": "s1",
        "psp_reference": "psp1",
        "payout_id": "po1",
        "settled_date": DAY,
        "currency": "EUR",
        "gross_minor": "-1000",
        "fee_minor": "0",
        "net_minor": "-1000",
    }
    bad = {**line, "settlement_line_id": "s2", "fee_minor": "30", "net_minor": "-1000"}
    path = write_landing(tmp_path, "processor_settlements", DAY, [line, bad])
    [problem] = _problems(path, "processor_settlements")
    assert "line 3" in problem and "net_minor must equal gross_minor - fee_minor" in problem


def test_card_pos_sale_needs_psp_reference_but_cash_does_not(tmp_path):
    sale = {
        "txn_id": "t1", "store_id": "LDN01", "order_id": "90001", "txn_type": "sale",
        "event_ts": "2026-03-28T10:00:00+00:00", "currency": "GBP", "amount_minor": "500",
        "units": "1", "tender": "cash", "psp_reference": "", "fulfilment": "carry_out",
    }  # fmt: skip
    card = {**sale, "txn_id": "t2", "tender": "card"}
    path = write_landing(tmp_path, "pos_transactions", DAY, [sale, card])
    [problem] = _problems(path, "pos_transactions")
    assert "line 3" in problem and "psp_reference" in problem


def test_parquet_rows_are_numbered_from_one(tmp_path):
    path = tmp_path / "storefront_orders" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    pd.DataFrame([GOOD_ORDER, {**GOOD_ORDER, "event_id": "e2", "currency": "??"}]).to_parquet(path)
    [problem] = _problems(path)
    assert problem.startswith(f"storefront_orders/{DAY}.parquet, row 2, column currency:")


def test_missing_file_is_not_delivered_and_header_only_is_delivered_empty(tmp_path):
    landing = LandingSource(landing_dir=str(tmp_path))
    spec = SOURCES_BY_NAME["shipments"]
    missing = landing.read(spec, DAY)
    assert not missing.delivered and missing.frame.empty
    write_landing(tmp_path, "shipments", DAY, [])
    empty = landing.read(spec, DAY)
    assert empty.delivered and empty.frame.empty
    assert list(empty.frame.columns) == list(spec.columns)
