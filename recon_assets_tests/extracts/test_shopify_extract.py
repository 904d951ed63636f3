"""Issue 14: Shopify's orders pulled from a loopback Admin GraphQL server (a paginated query
for a night, a bulk operation for a backfill, cost throttling), landed exactly as the
downloaded orders export lands."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from recon_assets.adapters import convert
from recon_assets.extracts.shopify_api import ShopifyResource, instant
from recon_assets_tests.extracts.conftest import (
    failure_of,
    landing_bytes,
    run_extract,
    sources_file,
)
from recon_assets_tests.extracts.fakes import (
    SHOPIFY_SAMPLE,
    SHOPIFY_TOKEN,
    THROTTLED,
    Answer,
    FakeShopify,
    shopify_orders_from_sample,
    updated_at,
)

FEED = """\
feeds:
  - format: shopify-orders
    via: api
    shop: recon-sample.myshopify.com
"""
NIGHTS = ["2025-04-02", "2025-04-03", "2025-04-04", "2025-04-05"]


def shopify_api(httpserver, token: str = SHOPIFY_TOKEN, **kwargs) -> dict:
    return {
        "shopify_api": ShopifyResource(
            shop="recon-sample",
            token=token,
            base_url=httpserver.url_for("/").rstrip("/"),
            poll_seconds=0.05,
            **kwargs,
        )
    }


@pytest.fixture
def from_export(tmp_path):
    files = tmp_path / "from_export"
    convert("shopify-orders", SHOPIFY_SAMPLE, files, "Europe/London")
    return files / "storefront_orders"


def test_a_night_is_paged_and_lands_what_the_export_lands(
    sample_settings, tmp_path, httpserver, from_export
):
    fake = FakeShopify(httpserver, shopify_orders_from_sample(), page_size=1)
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), shopify_api(httpserver), "2025-04-02"
    )
    assert result.success
    landed = sample_settings.landing_dir / "storefront_orders/2025-04-02.csv"
    assert landed.read_text() == (from_export / "2025-04-02.csv").read_text()
    assert landed.read_text().count("\n") == 4  # #1088, #1089, #1090
    # Every order updated since the night began (midnight in London, BST), one a page.
    assert {q["variables"]["query"] for q in fake.queries} == {
        "updated_at:>='2025-04-01T23:00:00Z'"
    }
    since = [o for o in fake.orders if instant(updated_at(o)) >= instant("2025-04-01T23:00:00Z")]
    assert len(since) > 3  # later orders too: the night's events are picked from them
    afters = [q["variables"]["after"] for q in fake.queries]
    assert afters == [None, *(str(n) for n in range(1, len(since)))]
    raw = sample_settings.landing_dir / "raw/shopify_orders/2025-04-02.jsonl.gz"
    pages = [json.loads(line) for line in gzip.decompress(raw.read_bytes()).splitlines()]
    assert [len(p["data"]["orders"]["nodes"]) for p in pages] == [1] * len(since)


def test_a_backfill_is_one_bulk_operation_split_into_nights(
    sample_settings, tmp_path, httpserver, from_export
):
    fake = FakeShopify(httpserver, shopify_orders_from_sample())
    sources = sources_file(tmp_path, FEED)
    result = run_extract(sample_settings, sources, shopify_api(httpserver), NIGHTS[0], NIGHTS[-1])
    assert result.success
    kinds = ["bulkOperationRunQuery" in q["query"] for q in fake.queries]
    assert kinds.count(True) == 1 and not any("orders(first" in q["query"] for q in fake.queries)
    assert fake.polls == 2  # RUNNING, then COMPLETED with the file's URL
    landing = sample_settings.landing_dir
    for night in NIGHTS:
        landed = (landing / "storefront_orders" / f"{night}.csv").read_text()
        assert landed == (from_export / f"{night}.csv").read_text(), night
    assert "refund" in (landing / "storefront_orders/2025-04-04.csv").read_text()  # #1095

    # Re-extracting the range gives the same files, byte for byte.
    first = landing_bytes(landing)
    time.sleep(1.1)
    assert run_extract(
        sample_settings, sources, shopify_api(httpserver), NIGHTS[0], NIGHTS[-1]
    ).success
    assert landing_bytes(landing) == first


def test_a_throttled_query_waits_for_its_points_then_goes_on(
    sample_settings, tmp_path, httpserver, from_export
):
    fake = FakeShopify(httpserver, shopify_orders_from_sample(), page_size=1)
    night = instant("2025-04-01T23:00:00Z")  # the orders updated since: one page each
    pages = sum(instant(updated_at(o)) >= night for o in fake.orders)
    fake.script = [Answer(200, THROTTLED)]  # 202 points wanted, 102 left, 100 a second
    started = time.monotonic()
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), shopify_api(httpserver), "2025-04-02"
    )
    assert result.success
    assert time.monotonic() - started >= 1.0
    assert len(fake.queries) == 1 + pages  # the throttled first page, asked again, the rest
    landed = sample_settings.landing_dir / "storefront_orders/2025-04-02.csv"
    assert landed.read_text() == (from_export / "2025-04-02.csv").read_text()


def test_a_429_waits_its_retry_after(sample_settings, tmp_path, httpserver):
    fake = FakeShopify(httpserver, shopify_orders_from_sample())
    fake.script = [Answer(429, {"errors": "Exceeded 2 calls per second"}, {"Retry-After": "1.0"})]
    started = time.monotonic()
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), shopify_api(httpserver), "2025-04-02"
    )
    assert result.success and time.monotonic() - started >= 1.0


def test_a_500_storm_fails_in_one_line(sample_settings, tmp_path, httpserver):
    fake = FakeShopify(httpserver, shopify_orders_from_sample())
    fake.script = [Answer(503, {"errors": "Service Unavailable"})] * 10
    result = run_extract(
        sample_settings,
        sources_file(tmp_path, FEED),
        shopify_api(httpserver, max_retries=1),
        "2025-04-02",
    )
    assert failure_of(result).endswith("Shopify did not deliver: HTTP 503 after 2 attempts")
    assert len(fake.queries) == 2
    assert not (sample_settings.landing_dir / "storefront_orders").exists()


def test_a_bad_token_is_one_line_naming_the_variable_never_the_token(
    sample_settings, tmp_path, httpserver
):
    FakeShopify(httpserver, shopify_orders_from_sample())
    wrong = "shpat_revoked_00000000000000000000"
    result = run_extract(
        sample_settings,
        sources_file(tmp_path, FEED),
        shopify_api(httpserver, token=wrong),
        "2025-04-02",
    )
    message = failure_of(result)
    assert "Shopify rejected SHOPIFY_ADMIN_TOKEN: HTTP 401 [API] Invalid API key" in message
    assert len(message.splitlines()) == 1
    assert wrong not in " ".join(repr(e) for e in result.all_events)


def test_a_shop_other_than_the_configured_one_is_refused(sample_settings, tmp_path, httpserver):
    fake = FakeShopify(httpserver, shopify_orders_from_sample())
    other = FEED.replace("recon-sample.myshopify.com", "another-store.myshopify.com")
    result = run_extract(
        sample_settings, sources_file(tmp_path, other), shopify_api(httpserver), "2025-04-02"
    )
    assert "names shop another-store.myshopify.com but SHOPIFY_SHOP is recon-sample" in (
        failure_of(result)
    )
    assert fake.queries == []


def test_a_refund_is_dated_by_its_own_time_and_counted_only_once_made(
    sample_settings, tmp_path, httpserver
):
    orders = shopify_orders_from_sample()
    # Created 2025-04-04 15:42 -0700, 23:42 in London; the export dates its refund then too.
    (order,) = [o for o in orders if o["name"] == "#1095"]
    refund = dict(order["refunds"][0], createdAt="2025-04-04T15:50:00-07:00")
    later = {
        "createdAt": "2025-04-09T10:00:00-07:00",
        "totalRefundedSet": refund["totalRefundedSet"],
    }
    order["refunds"] = [refund, later]
    FakeShopify(httpserver, orders)
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), shopify_api(httpserver), "2025-04-04"
    )
    assert result.success
    landed = (sample_settings.landing_dir / "storefront_orders/2025-04-04.csv").read_text()
    (row,) = [line for line in landed.splitlines() if line.startswith("1095:refund")]
    # The refund made by the end of the night, at its own time; the later one is not yet known.
    assert row == "1095:refund,1095,refund,2025-04-04T15:50:00-07:00,CAD,154,0,card"


def refunded_later(orders: list[dict], name: str, when: str, amount: str) -> dict:
    """`name`'s refund of `amount` CAD made at `when`, on a night after the order's."""
    (order,) = [o for o in orders if o["name"] == name]
    order["refunds"] = [
        {
            "createdAt": when,
            "totalRefundedSet": {"shopMoney": {"amount": amount, "currencyCode": "CAD"}},
        }
    ]
    return order


def night_files(landing, night: str) -> dict[str, bytes]:
    return {k: v for k, v in landing_bytes(landing).items() if night in k}


def test_a_refund_on_a_later_night_lands_that_night_and_leaves_the_order_night_alone(
    sample_settings, tmp_path, httpserver
):
    """#1088 was sold on 2 April (night 1) and refunded on 4 April (night 3); the order was
    touched again on 6 April, so its `updated_at` is after night 3."""
    orders = shopify_orders_from_sample()
    order = refunded_later(orders, "#1088", "2025-04-04T10:00:00-07:00", "20.00")
    order["updatedAt"] = "2025-04-06T09:00:00-07:00"
    sources = sources_file(tmp_path, FEED)
    landing = sample_settings.landing_dir
    FakeShopify(httpserver, orders)
    assert run_extract(sample_settings, sources, shopify_api(httpserver), "2025-04-02").success
    night_1 = night_files(landing, "2025-04-02")
    assert "1088:order" in night_1["storefront_orders/2025-04-02.csv"].decode()
    assert "1088:refund" not in night_1["storefront_orders/2025-04-02.csv"].decode()

    assert run_extract(sample_settings, sources, shopify_api(httpserver), "2025-04-04").success
    night_3 = (landing / "storefront_orders/2025-04-04.csv").read_text().splitlines()
    assert "1088:refund,1088,refund,2025-04-04T10:00:00-07:00,CAD,2000,0,card" in night_3
    assert not [line for line in night_3 if line.startswith("1088:order")]  # not sold again
    assert night_files(landing, "2025-04-02") == night_1


def test_a_backfill_lands_a_later_refund_on_its_own_night_only(
    sample_settings, tmp_path, httpserver, from_export
):
    orders = shopify_orders_from_sample()
    refunded_later(orders, "#1088", "2025-04-04T10:00:00-07:00", "20.00")
    FakeShopify(httpserver, orders)
    sources = sources_file(tmp_path, FEED)
    result = run_extract(sample_settings, sources, shopify_api(httpserver), NIGHTS[0], NIGHTS[-1])
    assert result.success
    landing = sample_settings.landing_dir / "storefront_orders"
    night_1 = (landing / "2025-04-02.csv").read_text()
    assert night_1 == (from_export / "2025-04-02.csv").read_text()  # the sale, no refund
    night_3 = (landing / "2025-04-04.csv").read_text().splitlines()
    assert [line for line in night_3 if line.startswith("1088:")] == [
        "1088:refund,1088,refund,2025-04-04T10:00:00-07:00,CAD,2000,0,card"
    ]
    for night in ("2025-04-03", "2025-04-05"):
        assert "1088:" not in (landing / f"{night}.csv").read_text()


def test_an_order_with_more_line_items_than_a_page_holds_is_pulled_in_bulk(
    sample_settings, tmp_path, httpserver
):
    orders = shopify_orders_from_sample()
    [big] = [o for o in orders if o["name"] == "#1088"]
    big["lineItems"] = [{"quantity": 1, "requiresShipping": True}] * 300
    fake = FakeShopify(httpserver, orders)
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), shopify_api(httpserver), "2025-04-02"
    )
    assert result.success
    # The night's page cut the order's line items at 250: the night was pulled in bulk.
    assert sum("bulkOperationRunQuery" in q["query"] for q in fake.queries) == 1
    landed = (sample_settings.landing_dir / "storefront_orders/2025-04-02.csv").read_text()
    [sale] = [line for line in landed.splitlines() if line.startswith("1088:order,")]
    assert sale.split(",")[6] == "300"  # every unit of the order, none lost with the page's cut
