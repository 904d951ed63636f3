"""Canonical source schemas (DESIGN.md section 4) as pandera DataFrameModels.

Landing files are parsed into these types first (see `landing.py`), so the models check
typed values: key uniqueness, allowed values, signs, ISO-4217 currencies, offsets on
timestamps and the settlement identity net = gross - fee.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
import pandera.extensions as extensions
import pandera.pandas as pa
from pandera.typing import Series

from recon_assets.money import is_currency

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


@extensions.register_check_method(check_type="element_wise")
def iso_currency(value: str) -> bool:
    return isinstance(value, str) and is_currency(value)


@extensions.register_check_method(check_type="element_wise")
def timestamp_with_offset(value: str) -> bool:
    """ISO-8601 with an explicit offset: the offset is evidence and must not be guessed."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return False
    try:
        return datetime.fromisoformat(value).utcoffset() is not None
    except ValueError:
        return False


@extensions.register_check_method(check_type="element_wise")
def iso_date(value: str) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _key() -> pa.Field:
    return pa.Field(unique=True, str_length={"min_value": 1})


def _text() -> pa.Field:
    return pa.Field(str_length={"min_value": 1})


def _minor(**kwargs) -> pa.Field:
    return pa.Field(ge=0, **kwargs)


class _Canonical(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are ignored by contract
        coerce = False  # landing.py has already parsed every value with a precise error


class StorefrontOrders(_Canonical):
    event_id: Series[str] = _key()
    order_id: Series[str] = _text()
    event_type: Series[str] = pa.Field(isin=["order", "refund", "cancel"])
    event_ts: Series[str] = pa.Field(timestamp_with_offset=())
    currency: Series[str] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()
    payment_method: Series[str] = pa.Field(isin=["card", "paypal", "gift_card", "other"])


class PosTransactions(_Canonical):
    txn_id: Series[str] = _key()
    store_id: Series[str] = _text()
    order_id: Series[str] = _text()
    txn_type: Series[str] = pa.Field(isin=["sale", "refund"])
    event_ts: Series[str] = pa.Field(timestamp_with_offset=())
    currency: Series[str] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()
    tender: Series[str] = pa.Field(isin=["card", "cash", "gift_card"])
    psp_reference: Series[str] = pa.Field(nullable=True)
    fulfilment: Series[str] = pa.Field(isin=["carry_out", "ship"])

    @pa.dataframe_check(error="a card transaction needs its psp_reference")
    def card_has_psp_reference(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["tender"] != "card") | df["psp_reference"].notna()


class OmsOrders(_Canonical):
    order_id: Series[str] = _key()
    channel: Series[str] = pa.Field(isin=["web", "pos"])
    created_ts: Series[str] = pa.Field(timestamp_with_offset=())
    currency: Series[str] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    units: Series[int] = _minor()


class ProcessorTransactions(_Canonical):
    psp_reference: Series[str] = _key()
    order_ref: Series[str] = _text()
    processor: Series[str] = _text()
    txn_type: Series[str] = pa.Field(isin=["capture", "refund", "chargeback"])
    event_ts: Series[str] = pa.Field(timestamp_with_offset=())
    currency: Series[str] = pa.Field(iso_currency=())
    amount_minor: Series[int] = _minor()
    fee_minor: Series[int] = _minor()


class ProcessorSettlements(_Canonical):
    settlement_line_id: Series[str] = _key()
    psp_reference: Series[str] = _text()
    payout_id: Series[str] = _text()
    settled_date: Series[str] = pa.Field(iso_date=())
    currency: Series[str] = pa.Field(iso_currency=())
    gross_minor: Series[int]
    fee_minor: Series[int] = _minor()
    net_minor: Series[int]

    @pa.dataframe_check(error="net_minor must equal gross_minor - fee_minor")
    def net_is_gross_less_fee(cls, df: pd.DataFrame) -> Series[bool]:
        return df["net_minor"] == df["gross_minor"] - df["fee_minor"]


class Shipments(_Canonical):
    shipment_id: Series[str] = _key()
    order_ref: Series[str] = _text()
    shipped_ts: Series[str] = pa.Field(timestamp_with_offset=())
    carrier: Series[str] = pa.Field(nullable=True)
    tracking: Series[str] = pa.Field(nullable=True)
    units: Series[int] = _minor()


class LedgerEntries(_Canonical):
    entry_id: Series[str] = _key()
    posting_date: Series[str] = pa.Field(iso_date=())
    account: Series[str] = _text()
    reference: Series[str] = _text()
    currency: Series[str] = pa.Field(iso_currency=())
    debit_minor: Series[int] = _minor()
    credit_minor: Series[int] = _minor()
    memo: Series[str] = pa.Field(nullable=True)
