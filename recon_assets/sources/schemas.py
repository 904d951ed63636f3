"""Canonical source schemas (DESIGN.md section 4) as pandera DataFrameModels.

Landing files are parsed into these types first (see `landing.py`), so the models check
typed values, column by column with vectorised checks: key uniqueness, allowed values, signs,
ISO-4217 currencies, offsets on timestamps, no hidden characters and the settlement identity
net = gross - fee.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import pandera.extensions as extensions
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera.typing import Series

from recon_assets.money import iso_currencies

# Text columns are Arrow-backed strings: checks run vectorised in Arrow, and the type is
# checked once per column rather than per value as for `str`.
TEXT = pd.StringDtype("pyarrow")
Text = Annotated[pd.StringDtype, "pyarrow", pd.NA]

# ASCII digits only: `\d` would let other scripts' digits through.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIMESTAMP = _DATE + r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})"
# Control characters (C0, DEL, C1), line and paragraph separators, bidi controls, and the
# zero-width and invisible format characters (soft hyphen, joiners, invisible operators,
# variation selectors, tags): they hide or reorder what a person reads in a key, the report or
# Slack. Written so that both Python's `re` (object columns) and RE2 (Arrow strings) read the
# same class.
HIDDEN_CHARACTERS = (
    "[\\x00-\\x1f\\x7f-\\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)


@extensions.register_check_method(check_type="vectorized")
def plain_text(series: pd.Series) -> pd.Series:
    """No control, bidi or zero-width character anywhere in the value (empty is fine)."""
    values = pyarrow.array(series, type=pyarrow.string(), from_pandas=True)
    # Nearly every column is ASCII alone, where the hidden characters are the control ones:
    # Arrow tells printable ASCII about four times faster than RE2 runs the class above. (An
    # empty or all-null column has no verdict on ASCII, None, and nothing to look for.)
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        plain = pc.ascii_is_printable(values)
    else:
        plain = pc.invert(pc.match_substring_regex(values, HIDDEN_CHARACTERS))
    return pd.Series(pc.fill_null(plain, True).to_numpy(zero_copy_only=False), series.index)


@extensions.register_check_method(check_type="vectorized")
def iso_currency(series: pd.Series) -> pd.Series:
    return series.isin(iso_currencies())


# Nanoseconds, as pandas holds a timestamp: the same range of years (1677 to 2262).
_UTC_NANOSECONDS = pyarrow.timestamp("ns", tz="UTC")


@extensions.register_check_method(check_type="vectorized")
def timestamp_with_offset(series: pd.Series) -> pd.Series:
    """ISO-8601 with an explicit offset: the offset is evidence and must not be guessed."""
    shaped = series.str.fullmatch(_TIMESTAMP).fillna(False).astype(bool)
    candidates = series.where(shaped)
    try:
        # Arrow parses a whole column about twenty times faster than pandas, and accepts
        # nothing pandas refuses (test_landing holds it to that); when it refuses a value,
        # pandas says which ones are bad, as it always has.
        pyarrow.array(candidates, type=pyarrow.string(), from_pandas=True).cast(_UTC_NANOSECONDS)
        return shaped
    except pyarrow.ArrowInvalid:
        parsed = pd.to_datetime(candidates, format="ISO8601", utc=True, errors="coerce")
        return shaped & parsed.notna()


@extensions.register_check_method(check_type="vectorized")
def iso_date(series: pd.Series) -> pd.Series:
    shaped = series.str.fullmatch(_DATE).fillna(False).astype(bool)
    parsed = pd.to_datetime(series.where(shaped), format="%Y-%m-%d", errors="coerce")
    return shaped & parsed.notna()


def _key() -> pa.Field:
    return pa.Field(unique=True, str_length={"min_value": 1}, plain_text=())


def _text() -> pa.Field:
    return pa.Field(str_length={"min_value": 1}, plain_text=())


def _optional_text() -> pa.Field:
    return pa.Field(nullable=True, plain_text=())


def _minor(**kwargs) -> pa.Field:
    return pa.Field(ge=0, **kwargs)


class _Canonical(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are ignored by contract
        coerce = False  # landing.py has already typed every value with a precise error


class StorefrontOrders(_Canonical):
    event_id: Series[Text] = _key()
    order_id: Series[Text] = _text()
    event_type: Series[Text] = pa.Field(isin=["order", "refund", "cancel"])
    event_ts: Series[Text] = pa.Field(timestamp_with_offset=())
    currency: Series[Text] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()
    payment_method: Series[Text] = pa.Field(isin=["card", "paypal", "gift_card", "other"])


class PosTransactions(_Canonical):
    txn_id: Series[Text] = _key()
    store_id: Series[Text] = _text()
    order_id: Series[Text] = _text()
    txn_type: Series[Text] = pa.Field(isin=["sale", "refund"])
    event_ts: Series[Text] = pa.Field(timestamp_with_offset=())
    currency: Series[Text] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()
    tender: Series[Text] = pa.Field(isin=["card", "cash", "gift_card"])
    psp_reference: Series[Text] = _optional_text()
    fulfilment: Series[Text] = pa.Field(isin=["carry_out", "ship"])

    @pa.dataframe_check(error="a card transaction needs its psp_reference")
    def card_has_psp_reference(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["tender"] != "card") | df["psp_reference"].notna()


class OmsOrders(_Canonical):
    order_id: Series[Text] = _key()
    channel: Series[Text] = pa.Field(isin=["web", "pos"])
    created_ts: Series[Text] = pa.Field(timestamp_with_offset=())
    currency: Series[Text] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()


class ProcessorTransactions(_Canonical):
    psp_reference: Series[Text] = _key()
    order_ref: Series[Text] = _text()
    processor: Series[Text] = _text()
    txn_type: Series[Text] = pa.Field(isin=["capture", "refund", "chargeback"])
    event_ts: Series[Text] = pa.Field(timestamp_with_offset=())
    currency: Series[Text] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    fee_minor: Series[int] = _minor()


class ProcessorSettlements(_Canonical):
    settlement_line_id: Series[Text] = _key()
    psp_reference: Series[Text] = _text()
    payout_id: Series[Text] = _text()
    settled_date: Series[Text] = pa.Field(iso_date=())
    currency: Series[Text] = pa.Field(iso_currency=())
    gross_minor: Series[int]
    fee_minor: Series[int] = _minor()
    net_minor: Series[int]

    @pa.dataframe_check(error="net_minor must equal gross_minor - fee_minor")
    def net_is_gross_less_fee(cls, df: pd.DataFrame) -> Series[bool]:
        return df["net_minor"] == df["gross_minor"] - df["fee_minor"]


class Shipments(_Canonical):
    shipment_id: Series[Text] = _key()
    order_ref: Series[Text] = _text()
    shipped_ts: Series[Text] = pa.Field(timestamp_with_offset=())
    carrier: Series[Text] = _optional_text()
    tracking: Series[Text] = _optional_text()
    units: Series[int] = _minor()


class LedgerEntries(_Canonical):
    entry_id: Series[Text] = _key()
    posting_date: Series[Text] = pa.Field(iso_date=())
    account: Series[Text] = _text()
    reference: Series[Text] = _text()
    currency: Series[Text] = pa.Field(iso_currency=())
    debit_minor: Series[int] = _minor()
    credit_minor: Series[int] = _minor()
    memo: Series[Text] = _optional_text()
