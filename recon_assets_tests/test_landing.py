"""Pure-function tests: canonical schemas and landing-file parsing."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recon_assets.generator import generate
from recon_assets.sources.catalog import SOURCES_BY_NAME
from recon_assets.sources.landing import LandingError, parse_landing_file
from recon_assets.sources.resource import LandingSource
from recon_assets.sources.schemas import HIDDEN_CHARACTERS, TEXT, plain_text, timestamp_with_offset
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
        ({"units": "two"}, "units", "'two' is not a whole number"),
        ({"event_ts": "2026-03-28 23:59:30"}, "event_ts", "date and time with an offset"),
        ({"event_ts": "28/03/2026 23:59+00:00"}, "event_ts", "date and time with an offset"),
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
    (tmp_path / "shipments").mkdir()  # the source delivers, but not this night
    missing = landing.read(spec, DAY)
    assert not missing.delivered and missing.frame.empty
    write_landing(tmp_path, "shipments", DAY, [])
    empty = landing.read(spec, DAY)
    assert empty.delivered and empty.frame.empty
    assert list(empty.frame.columns) == list(spec.columns)


# --- Hardening: every kind of bad delivery, as real files -------------------------------------

HEADER = ",".join(GOOD_ORDER)
GOOD_ROW = ",".join(GOOD_ORDER.values())
FILE = f"storefront_orders/{DAY}.csv"
INT64_MAX = 2**63 - 1


def _row(**changes: str) -> str:
    return ",".join({**GOOD_ORDER, "event_id": "e2", **changes}.values())


def _csv(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def _parquet(path: Path, **columns: object) -> None:
    frame = pd.DataFrame([GOOD_ORDER, {**GOOD_ORDER, "event_id": "e2"}])
    frame[["amount_minor", "units"]] = frame[["amount_minor", "units"]].astype("int64")
    for column, values in columns.items():
        frame[column] = values
    frame.to_parquet(path)


BAD_CSV = {
    "nul inside an amount": (
        _csv(HEADER, GOOD_ROW, _row(amount_minor="39\x0095")),
        f"{FILE}, line 3, column amount_minor: '39\\x0095' is not an integer number of minor units",
    ),
    "nul inside a key": (
        _csv(HEADER, GOOD_ROW, _row(event_id="e\x002")),
        f"{FILE}, line 3, column event_id: 'e\\x002' holds a control, bidi or zero-width character",
    ),
    "tab inside a code": (
        _csv(HEADER, GOOD_ROW, _row(order_id="800\t02")),
        f"{FILE}, line 3, column order_id: '800\\t02' holds a control, bidi or zero-width "
        "character",
    ),
    "escape character": (
        _csv(HEADER, GOOD_ROW, _row(order_id="80\x1b[2J")),
        f"{FILE}, line 3, column order_id: '80\\x1b[2J' holds a control, bidi or zero-width "
        "character",
    ),
    "bidi override": (
        _csv(HEADER, GOOD_ROW, _row(order_id="80\u202e200")),
        f"{FILE}, line 3, column order_id: '80\\u202e200' holds a control, bidi or zero-width "
        "character",
    ),
    "bidi isolate": (
        _csv(HEADER, GOOD_ROW, _row(order_id="\u206680200")),
        f"{FILE}, line 3, column order_id: '\\u206680200' holds a control, bidi or zero-width "
        "character",
    ),
    "zero-width space": (
        _csv(HEADER, GOOD_ROW, _row(event_id="e\u200b1")),
        f"{FILE}, line 3, column event_id: 'e\\u200b1' holds a control, bidi or zero-width "
        "character",
    ),
    "byte order mark inside a value": (
        _csv(HEADER, GOOD_ROW, _row(order_id="\ufeff80002")),
        f"{FILE}, line 3, column order_id: '\\ufeff80002' holds a control, bidi or zero-width "
        "character",
    ),
    "arabic-indic digits": (
        _csv(HEADER, GOOD_ROW, _row(units="١٢")),
        f"{FILE}, line 3, column units: '١٢' is not a whole number",
    ),
    "full-width digits": (
        _csv(HEADER, GOOD_ROW, _row(amount_minor="１２")),
        f"{FILE}, line 3, column amount_minor: '１２' is not an integer number of minor units",
    ),
    "beyond int64": (
        _csv(HEADER, GOOD_ROW, _row(amount_minor=str(INT64_MAX + 1))),
        f"{FILE}, line 3, column amount_minor: '{INT64_MAX + 1}' is beyond the 64-bit integer "
        "range",
    ),
    "money total beyond int64": (
        _csv(HEADER, _row(event_id="e1", amount_minor=str(INT64_MAX)), _row(amount_minor="1")),
        f"{FILE}, column amount_minor: adds up beyond the 64-bit integer range in GBP",
    ),
    "no-currency code XXX": (
        _csv(HEADER, GOOD_ROW, _row(currency="XXX")),
        f"{FILE}, line 3, column currency: 'XXX' is not an active ISO-4217 currency code",
    ),
    "test code XTS": (
        _csv(HEADER, GOOD_ROW, _row(currency="XTS")),
        f"{FILE}, line 3, column currency: 'XTS' is not an active ISO-4217 currency code",
    ),
    "precious metal XAU": (
        _csv(HEADER, GOOD_ROW, _row(currency="XAU")),
        f"{FILE}, line 3, column currency: 'XAU' is not an active ISO-4217 currency code",
    ),
    "historic DEM": (
        _csv(HEADER, GOOD_ROW, _row(currency="DEM")),
        f"{FILE}, line 3, column currency: 'DEM' is not an active ISO-4217 currency code",
    ),
    "duplicated header": (
        _csv(HEADER + ",amount_minor", GOOD_ROW + ",1"),
        f"{FILE}, header, column amount_minor: appears more than once: keep one of them",
    ),
    "row with an extra field": (
        _csv(HEADER, GOOD_ROW, _row() + ",surplus", _row(event_id="e3")),
        f"{FILE}, line 3: has more fields than the header",
    ),
    "row with a missing field": (
        _csv(HEADER, GOOD_ROW, _row().rsplit(",", 1)[0], _row(event_id="e3")),
        f"{FILE}, line 3: has fewer fields than the header",
    ),
    "latin-1 in a row": (
        _csv(HEADER, GOOD_ROW, _row(event_id="e2")).replace(b"e2", b"\xe92"),
        f"{FILE}, line 3: is not UTF-8 text: save the file as UTF-8",
    ),
    "latin-1 in the header": (
        _csv(HEADER + ",r\xe9f", GOOD_ROW + ",x").replace("é".encode(), b"\xe9"),
        f"{FILE}, line 1: is not UTF-8 text: save the file as UTF-8",
    ),
    "empty file": (b"", f"{FILE}, line 1: is empty: no header row"),
}


@pytest.mark.parametrize("content", BAD_CSV.values(), ids=BAD_CSV.keys())
def test_bad_csv_is_refused_naming_file_line_and_column(tmp_path, content):
    data, first = content
    path = tmp_path / "storefront_orders" / f"{DAY}.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    with pytest.raises(LandingError) as caught:
        LandingSource(landing_dir=str(tmp_path)).read(SOURCES_BY_NAME["storefront_orders"], DAY)
    assert str(caught.value.problems[0]) == first
    assert str(caught.value).splitlines()[1] == f"  - {first}"


BAD_PARQUET = {
    "beyond int64": (
        {"amount_minor": pd.array([1, INT64_MAX + 1], dtype="UInt64")},
        "row 2, column amount_minor: '9223372036854775808' is beyond the 64-bit integer range",
    ),
    "float money": (
        {"amount_minor": [1.0, 2.5]},
        "row 1, column amount_minor: '1.0' is not an integer number of minor units",
    ),
    "nul inside a key": (
        {"event_id": ["e1", "e\x002"]},
        "row 2, column event_id: 'e\\x002' holds a control, bidi or zero-width character",
    ),
    "naive timestamp": (
        {"event_ts": pd.to_datetime(["2026-03-28 10:00", "2026-03-28 11:00"])},
        "row 1, column event_ts: '2026-03-28 10:00:00' is not a real ISO-8601 date and time "
        "with an offset (e.g. 2026-10-03T10:00:00+01:00)",
    ),
}


@pytest.mark.parametrize("columns", BAD_PARQUET.values(), ids=BAD_PARQUET.keys())
def test_bad_parquet_is_refused_naming_file_row_and_column(tmp_path, columns):
    changes, first = columns
    path = tmp_path / "storefront_orders" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    _parquet(path, **changes)
    with pytest.raises(LandingError) as caught:
        parse_landing_file(path, SOURCES_BY_NAME["storefront_orders"])
    assert str(caught.value.problems[0]) == f"storefront_orders/{DAY}.parquet, {first}"


def test_a_csv_and_a_parquet_for_one_night_are_refused_naming_both(tmp_path):
    path = _orders(tmp_path, {})
    _parquet(path.with_suffix(".parquet"))
    with pytest.raises(LandingError) as caught:
        LandingSource(landing_dir=str(tmp_path)).read(SOURCES_BY_NAME["storefront_orders"], DAY)
    assert str(caught.value.problems[0]) == (
        f"{FILE}: is delivered twice, also as storefront_orders/{DAY}.parquet: "
        "remove one of the two files"
    )


def test_lines_stay_right_after_quoted_newlines_and_blank_lines(tmp_path):
    path = tmp_path / "storefront_orders" / f"{DAY}.csv"
    path.parent.mkdir(parents=True)
    # Line 2 opens a note of three lines (2-4), line 5 is blank, line 6 is the bad row.
    path.write_bytes(
        _csv(HEADER + ",note", GOOD_ROW + ',"one\ntwo\nthree"', "", _row(currency="XTS") + ",x")
    )
    [problem] = _problems(path)
    assert problem.startswith(f"{FILE}, line 6, column currency: 'XTS'")
    # A malformed row after them is named by its line too.
    path.write_bytes(_csv(HEADER + ",note", GOOD_ROW + ',"a\r\nb"', "", _row() + ",x,surplus"))
    assert _problems(path) == [f"{FILE}, line 5: has more fields than the header"]


def test_currencies_can_be_restricted_in_the_rules(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "currencies.yaml").write_text("allowed: [GBP, JPY]\n")
    landing = LandingSource(landing_dir=str(tmp_path), rules_dir=str(rules))
    spec = SOURCES_BY_NAME["storefront_orders"]
    _orders(tmp_path, {"currency": "JPY"}, {"currency": "EUR"})
    with pytest.raises(LandingError) as caught:
        landing.read(spec, DAY)
    assert [str(p) for p in caught.value.problems] == [
        f"{FILE}, line 3, column currency: 'EUR' is not a currency allowed by rules/currencies.yaml"
    ]
    assert LandingSource(landing_dir=str(tmp_path)).read(spec, DAY).delivered


def test_parquet_with_dictionary_encoded_text_loads_like_plain_text(tmp_path):
    path = tmp_path / "storefront_orders" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    codes = {c: pd.Categorical(["GBP", "EUR"] if c == "currency" else [GOOD_ORDER[c]] * 2)
             for c in ("currency", "event_type", "payment_method")}  # fmt: skip
    _parquet(path, **codes)
    frame = parse_landing_file(path, SOURCES_BY_NAME["storefront_orders"])
    assert frame["currency"].tolist() == ["GBP", "EUR"]
    assert frame["amount_minor"].tolist() == [12050, 12050]
    assert str(frame["amount_minor"].dtype) == "int64"


def _independent_parse(path: Path, spec) -> pd.DataFrame:
    """The file read with the csv module: integers with int(), empty optional text as NA."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for column in spec.columns:
        values = [row[column] for row in rows]
        if column in spec.int_columns:
            columns[column] = pd.Series([int(v) for v in values], dtype="int64")
        else:
            if column in spec.optional_columns:
                values = [v if v.strip() else None for v in values]
            columns[column] = pd.Series(values, dtype=TEXT)
    return pd.DataFrame(columns)


def test_generated_files_parse_to_exactly_the_independently_parsed_frame(tmp_path):
    generate(tmp_path, date(2026, 3, 22), 7, 20, seed=11)
    paths = sorted(tmp_path.glob("*/*.csv"))
    assert len(paths) == 7 * 7
    for path in paths:
        spec = SOURCES_BY_NAME[path.parent.name]
        frame = parse_landing_file(path, spec)
        pd.testing.assert_frame_equal(frame, _independent_parse(path, spec), check_exact=True)


# Shaped like an ISO-8601 time with an offset, each at an edge of what parses: Arrow's quick
# parse must never accept a value that pandas' exact one refuses.
EDGE_TIMESTAMPS = [
    "2026-03-28T10:00:00+01:00",
    "2026-03-28 10:00+0100",
    "2026-03-28T10:00:00.123456789Z",
    "2026-03-28T10:00:00.1234567891-00:00",
    "2024-02-29T10:00:00+01:00",
    "2026-02-29T10:00:00+01:00",
    "2026-04-31T10:00:00+01:00",
    "2026-13-01T10:00:00+01:00",
    "2026-00-10T10:00:00+01:00",
    "2026-03-00T10:00:00+01:00",
    "2026-03-28T24:00:00+01:00",
    "2026-03-28T10:60:00+01:00",
    "2026-03-28T23:59:60+01:00",
    "2026-03-28T10:00:00+23:59",
    "2026-03-28T10:00:00+24:00",
    "2026-03-28T10:00:00-99:99",
    "1677-09-21T00:13:00+00:00",
    "1677-09-21T00:11:00+00:00",
    "2262-04-11T23:00:00+01:00",
    "2262-04-11T23:00:00-01:00",
    "2300-01-01T00:00:00+00:00",
    "0000-01-01T00:00:00+00:00",
]


@pytest.mark.parametrize("value", EDGE_TIMESTAMPS)
def test_timestamp_check_gives_pandas_verdict_alone_and_among_good_values(value):
    def pandas_verdict(series: pd.Series) -> list[bool]:
        parsed = pd.to_datetime(series, format="ISO8601", utc=True, errors="coerce")
        return parsed.notna().tolist()

    for values in ([value], [GOOD_ORDER["event_ts"], value, GOOD_ORDER["event_ts"]]):
        series = pd.Series(values, dtype=TEXT)
        assert timestamp_with_offset(series).tolist() == pandas_verdict(series)


def test_plain_text_says_of_ascii_what_the_hidden_character_class_says():
    """An ASCII column is told by Arrow's printable test, any other by the class itself: the
    two agree on every ASCII character, alone, inside a value, and beside non-ASCII text."""
    ascii_values = [chr(c) for c in range(128)] + [f"a{chr(c)}b" for c in range(128)]
    expected = [re.search(HIDDEN_CHARACTERS, v) is None for v in ascii_values]
    assert list(plain_text(pd.Series(ascii_values, dtype=TEXT))) == expected
    assert list(plain_text(pd.Series(ascii_values, dtype=object))) == expected
    mixed = pd.Series([*ascii_values, "café", "e\u200b1", "", None], dtype=TEXT)
    assert list(plain_text(mixed)) == [*expected, True, False, True, True]
    assert list(plain_text(pd.Series(["", None, "ok"], dtype=TEXT))) == [True, True, True]
