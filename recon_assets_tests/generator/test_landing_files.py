"""The files keep the landing contract of DESIGN.md section 4 and pass the source schemas."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from recon_assets.generator import generate
from recon_assets.sources.catalog import SOURCES
from recon_assets.sources.landing import parse_landing_file
from recon_assets_tests.generator.conftest import NIGHTS, Sample

# Written out from DESIGN.md section 4, not imported, so the test checks the contract itself.
CANONICAL_COLUMNS = {
    "storefront_orders": "event_id order_id event_type event_ts currency amount_minor units "
    "payment_method",
    "pos_transactions": "txn_id store_id order_id txn_type event_ts currency amount_minor units "
    "tender psp_reference fulfilment",
    "oms_orders": "order_id channel created_ts currency amount_minor units",
    "processor_transactions": "psp_reference order_ref processor txn_type event_ts currency "
    "amount_minor fee_minor",
    "processor_settlements": "settlement_line_id psp_reference payout_id settled_date currency "
    "gross_minor fee_minor net_minor",
    "shipments": "shipment_id order_ref shipped_ts carrier tracking units",
    "ledger_entries": "entry_id posting_date account reference currency debit_minor credit_minor "
    "memo",
}


@pytest.mark.parametrize("source", sorted(CANONICAL_COLUMNS))
def test_every_file_has_exactly_the_canonical_header(broken: Sample, source: str) -> None:
    paths = sorted((broken.root / source).glob("*.csv"))
    assert len(paths) == NIGHTS
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == CANONICAL_COLUMNS[source].split()


def test_money_and_units_are_whole_numbers(broken: Sample) -> None:
    for source in CANONICAL_COLUMNS:
        frame = broken.source(source)
        numeric = [c for c in frame.columns if c.endswith("_minor") or c == "units"]
        assert numeric, source
        for column in numeric:
            assert frame[column].dtype == "int64", (source, column)
            if column != "gross_minor" and column != "net_minor":
                assert (frame[column] >= 0).all(), (source, column)


def test_settlement_net_is_gross_less_fee(broken: Sample) -> None:
    lines = broken.source("processor_settlements")
    assert (lines.net_minor == lines.gross_minor - lines.fee_minor).all()
    assert (lines.settled_date == lines.business_date).all()


@pytest.mark.parametrize("spec", SOURCES, ids=lambda spec: spec.name)
def test_every_file_validates_against_the_source_schema(broken: Sample, spec) -> None:
    for path in sorted((broken.root / spec.name).glob("*.csv")):
        parse_landing_file(path, spec)  # raises LandingError naming file, row and column


def test_quiet_days_are_header_only_files(tmp_path: Path) -> None:
    generate(tmp_path, date(2025, 1, 6), 2, 1, seed=3, breaks={})
    # One order a day, settled 1-3 days later: the first night has no settlement yet.
    first = (tmp_path / "processor_settlements" / "2025-01-06.csv").read_text().splitlines()
    assert first == [CANONICAL_COLUMNS["processor_settlements"].replace(" ", ",")]
