"""Settings read once: a code location is built from a Settings value alone, so two retailers'
code locations live side by side in one process, each with its own nights and its own store;
the resources are picked per warehouse from one map, and secrets reach them only when a run
starts (dg.EnvVar), never through the settings or the resources' config."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dagster as dg
import duckdb

from recon_assets.definitions import build_definitions
from recon_assets.resources import RESOURCES_BY_WAREHOUSE, build_resources, slack_resource
from recon_assets.settings import WAREHOUSES, Settings
from recon_assets.warehouse_bigquery import BigQueryWarehouse
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.conftest import write_landing

ORDER = {
    "order_id": "80213",
    "channel": "web",
    "created_ts": "2026-03-02T10:00:00+00:00",
    "currency": "GBP",
    "amount_minor": 5100,
    "units": 1,
}


def _retailer(root: Path, start_date: str, timezone: str) -> Settings:
    return dataclasses.replace(
        Settings.from_env(),
        home=root / "home",
        landing_dir=root / "landing",
        start_date=start_date,
        timezone=timezone,
    )


def _stored_orders(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        return con.execute("SELECT business_date::VARCHAR, order_id FROM oms_orders").fetchall()


def test_two_code_locations_in_one_process_keep_their_own_nights_and_store(settings, tmp_path):
    london = _retailer(tmp_path / "london", "2026-03-01", "Europe/London")
    tokyo = _retailer(tmp_path / "tokyo", "2026-03-02", "Asia/Tokyo")

    built = {name: build_definitions(s) for name, s in (("london", london), ("tokyo", tokyo))}
    for name, retailer in (("london", london), ("tokyo", tokyo)):
        graph = built[name].get_repository_def().asset_graph
        nights = graph.get(dg.AssetKey("oms_orders")).partitions_def
        assert nights.start.date().isoformat() == retailer.start_date
        assert nights.timezone == retailer.timezone
        warehouse = built[name].resources["warehouse"]
        assert warehouse.database == str(retailer.duckdb_path)
        assert built[name].resources["report_files"].reports_dir == str(retailer.reports_dir)

    # Each location materialises with its own resources, into its own store only.
    for retailer, night in ((london, "2026-03-01"), (tokyo, "2026-03-02")):
        write_landing(retailer.landing_dir, "oms_orders", night, [ORDER])
    for name, night in (("london", "2026-03-01"), ("tokyo", "2026-03-02")):
        result = dg.materialize(
            [built[name].get_assets_def("oms_orders")],
            partition_key=night,
            resources=built[name].resources,
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        assert result.success
    assert _stored_orders(london) == [("2026-03-01", "80213")]
    assert _stored_orders(tokyo) == [("2026-03-02", "80213")]


def test_the_warehouse_resources_come_from_one_map_by_warehouse(settings):
    assert set(RESOURCES_BY_WAREHOUSE) == set(WAREHOUSES)
    duckdb_resources = build_resources(settings)
    assert isinstance(duckdb_resources["warehouse"], DuckDBWarehouse)
    bigquery = dataclasses.replace(
        settings, warehouse="bigquery", bigquery_project="acme-finance", bigquery_dataset="recon"
    )
    warehouse = build_resources(bigquery)["warehouse"]
    assert isinstance(warehouse, BigQueryWarehouse)
    assert (warehouse.project, warehouse.dataset) == ("acme-finance", "recon")
    # Everything but the warehouse is the same resource in every environment.
    assert set(build_resources(bigquery)) == set(duckdb_resources)


def test_the_slack_token_is_read_when_a_run_starts_and_never_kept(settings, monkeypatch):
    assert not slack_resource(settings).enabled  # no token: Slack is off
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-read-at-build")
    monkeypatch.setenv("RECON_SLACK_CHANNEL", "#finance-recon")
    configured = Settings.from_env()
    assert "xoxb-read-at-build" not in repr(configured)
    slack = slack_resource(configured)
    assert "xoxb-read-at-build" not in repr(slack)
    assert isinstance(slack.token, dg.EnvVar) and slack.token.env_var_name == "SLACK_BOT_TOKEN"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-read-at-run")
    with dg.build_resources({"slack": slack}) as resources:
        assert resources.slack.enabled and resources.slack.token == "xoxb-read-at-run"
