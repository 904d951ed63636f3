"""Source assets through the real Dagster machinery on a real temporary DuckDB file."""

from __future__ import annotations

import dataclasses

import dagster as dg
import pytest

from recon_assets.checks import DELIVERED
from recon_assets.partitions import build_daily_partitions
from recon_assets.resources import build_resources
from recon_assets.sources.assets import MATCHES_CANONICAL_SCHEMA, build_source_assets
from recon_assets_tests.conftest import write_landing

DAY = "2026-03-29"  # the night the clocks go forward in Europe/London


def _order(event_id: str, order_id: str, amount: int, currency: str = "GBP") -> dict:
    return {
        "event_id": event_id,
        "order_id": order_id,
        "event_type": "order",
        "event_ts": "2026-03-29T23:59:59+01:00",
        "currency": currency,
        "amount_minor": amount,
        "units": 1,
        "payment_method": "card",
    }


def source_assets(settings) -> list[dg.AssetsDefinition]:
    # These nights come before the books' first night: the sources do not look at history.
    partitions = build_daily_partitions(dataclasses.replace(settings, start_date=DAY))
    return build_source_assets(partitions, settings.warehouse)


def _materialize(settings, **kwargs) -> dg.ExecuteInJobResult:
    return dg.materialize(
        source_assets(settings),
        partition_key=DAY,
        resources=build_resources(settings),
        raise_on_error=False,
        **kwargs,
    )


def _stored(warehouse, table: str):
    return warehouse.query(f"SELECT * FROM {table} WHERE business_date = $d", {"d": DAY})


def test_partition_is_stored_with_row_count_and_money_totals(settings, warehouse):
    orders = [_order("e1", "80001", 1250), _order("e2", "80002", 700), _order("e3", "8", 5, "JPY")]
    write_landing(settings.landing_dir, "storefront_orders", DAY, orders)
    result = _materialize(settings)
    assert result.success
    [event] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("storefront_orders")
    ]
    assert event.metadata["dagster/row_count"].value == 3
    # Numbers Dagster can plot night by night, in major units of their currency.
    assert event.metadata["amount_minor GBP"].value == 19.50
    assert event.metadata["amount_minor JPY"].value == 5
    stored = _stored(warehouse, "storefront_orders")
    assert sorted(stored["event_id"]) == ["e1", "e2", "e3"]
    assert stored.loc[stored["event_id"] == "e1", "event_ts"].item() == "2026-03-29T23:59:59+01:00"


def test_rematerialised_partition_holds_its_rows_once(settings, warehouse):
    write_landing(settings.landing_dir, "storefront_orders", DAY, [_order("e1", "80001", 1250)])
    assert _materialize(settings).success
    assert _materialize(settings).success
    assert len(_stored(warehouse, "storefront_orders")) == 1
    # A corrected file replaces the partition, never adds to it.
    write_landing(settings.landing_dir, "storefront_orders", DAY, [_order("e9", "80009", 10)])
    assert _materialize(settings).success
    assert _stored(warehouse, "storefront_orders")["event_id"].tolist() == ["e9"]


def test_bad_file_fails_naming_file_line_and_column_and_writes_nothing(settings, warehouse):
    write_landing(settings.landing_dir, "storefront_orders", DAY, [_order("e1", "80001", 1250)])
    assert _materialize(settings).success
    bad = [_order("e1", "80001", 1250), {**_order("e2", "80002", 0), "amount_minor": "12.50"}]
    write_landing(settings.landing_dir, "storefront_orders", DAY, bad)
    with pytest.raises(dg.Failure) as caught:
        dg.materialize(
            source_assets(settings),
            partition_key=DAY,
            resources=build_resources(settings),
            selection=["storefront_orders"],
        )
    assert f"storefront_orders/{DAY}.csv, line 3, column amount_minor: '12.50'" in str(caught.value)
    assert caught.value.metadata["failure_cases"].value.records[0].data["column"] == "amount_minor"
    # The night's earlier, valid partition is untouched.
    assert _stored(warehouse, "storefront_orders")["event_id"].tolist() == ["e1"]


def test_missing_file_is_not_delivered_while_header_only_file_is(settings, warehouse):
    write_landing(settings.landing_dir, "shipments", DAY, [])
    result = _materialize(settings)
    assert result.success
    checks = {
        (c.asset_key.to_user_string(), c.check_name): c
        for c in result.get_asset_check_evaluations()
    }
    assert checks[("shipments", DELIVERED)].passed
    missing = checks[("ledger_entries", DELIVERED)]
    assert not missing.passed
    assert missing.description == f"source ledger_entries not delivered for {DAY}"
    assert all(
        checks[(s.key.to_user_string(), MATCHES_CANONICAL_SCHEMA)].passed
        for s in source_assets(settings)
    )
    deliveries = warehouse.query(
        "SELECT source, delivered FROM source_deliveries WHERE business_date = $d", {"d": DAY}
    )
    assert dict(zip(deliveries["source"], deliveries["delivered"], strict=True))["shipments"]
    assert not dict(zip(deliveries["source"], deliveries["delivered"], strict=True))[
        "ledger_entries"
    ]
