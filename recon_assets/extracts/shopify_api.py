"""Shopify's orders, pulled through the Admin GraphQL API with their refunds and transactions.

One night is a paginated `orders` query (`pageInfo { hasNextPage endCursor }`) over the
orders updated since the night began in the retailer's zone (`updated_at:>=`, Shopify's
search syntax): a refund or a cancellation tonight updates its order, whatever night the order
was created, and an order updated again after the night (fulfilled at 00:30, or a backfill
weeks later) still has `updated_at` after the night's start. A backfill of several nights is
one bulk operation (`bulkOperationRunQuery`, `currentBulkOperation` polled until it is done,
then its JSONL file, in which a line item is a line of its own with `__parentId`) over the
orders updated since the first night began, split into nights.

Each order becomes, for each night it has an event in, the rows of Shopify's orders export
(one per line item) holding only that night's events: its creation, the refunds created
that night (`Refunded Amount` their sum, `Refunded at` the latest one's own time, which the
export lacks) and its cancellation if it came that night; `Paid at` and `Payment Method`
come from its successful transactions. `adapters/shopify_orders.py` then maps them exactly
as it maps a downloaded export, and the night lands only the events it dates that night: an
old order's sale is not landed again on the night of its refund.

Politeness: GraphQL is rate-limited by query cost (`extensions.cost.throttleStatus`): a
THROTTLED answer is retried once enough points are restored, and the next page waits when
fewer points are left than the last page cost; a 429 waits its `Retry-After`; 5xx and
connection errors back off; all within `max_retries`. The official `ShopifyAPI` package is
not used: its GraphQL client is a bare urllib call with no cost throttling, no retry and a
fixed `https://{shop}` host, and has no bulk-operation support, so this is plain `requests`.
The token comes only from SHOPIFY_ADMIN_TOKEN (dg.EnvVar) and never appears in an error.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg
import requests

from recon_assets.extracts.common import (
    ExtractError,
    Night,
    backoff_seconds,
    retry_after_seconds,
)
from recon_assets.redact import redact

API_VERSION = "2025-01"
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
HEADER = (
    "Name",
    "Currency",
    "Total",
    "Created at",
    "Paid at",
    "Cancelled at",
    "Refunded Amount",
    "Refunded at",
    "Payment Method",
    "Lineitem quantity",
    "Lineitem requires shipping",
)
PAID_KINDS = {"SALE", "CAPTURE"}
TENDER_KINDS = {"SALE", "CAPTURE", "AUTHORIZATION"}

ORDER_FIELDS = """
        id name createdAt cancelledAt paymentGatewayNames
        totalPriceSet { shopMoney { amount currencyCode } }
        refunds { createdAt totalRefundedSet { shopMoney { amount currencyCode } } }
        transactions { kind status gateway processedAt }
"""
ORDERS_PAGE = (
    """
query NightOrders($query: String!, $after: String) {
  orders(first: 100, after: $after, query: $query, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + ORDER_FIELDS
    + """        lineItems(first: 250) {
          pageInfo { hasNextPage } nodes { quantity requiresShipping }
        }
    }
  }
}"""
)
BULK_QUERY = (
    """{
  orders(query: %s, sortKey: CREATED_AT) {
    edges { node {"""
    + ORDER_FIELDS
    + """        lineItems { edges { node { quantity requiresShipping } } }
    } }
  }
}"""
)
BULK_RUN = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""
BULK_POLL = """
query { currentBulkOperation(type: QUERY) { id status errorCode objectCount url } }"""


class ShopifyResource(dg.ConfigurableResource):
    """Shopify's Admin API: SHOPIFY_SHOP and SHOPIFY_ADMIN_TOKEN, the base URL from
    RECON_SHOPIFY_BASE_URL (default https://<shop>)."""

    shop: str
    token: str
    base_url: str = ""
    api_version: str = API_VERSION
    max_retries: int = 3
    max_retry_after: float = 60.0
    poll_seconds: float = 2.0
    bulk_timeout_seconds: float = 3600.0

    @property
    def shop_domain(self) -> str:
        name = self.shop.strip().removeprefix("https://").rstrip("/")
        return name if "." in name else f"{name}.myshopify.com"

    def _endpoint(self) -> str:
        base = self.base_url.rstrip("/") or f"https://{self.shop_domain}"
        return f"{base}/admin/api/{self.api_version}/graphql.json"

    def night_orders(self, night: Night) -> tuple[list[dict], list[dict]]:
        """The orders with an event within the night, page by page, and the raw pages (every
        order updated since the night began)."""
        pages: list[dict] = []
        orders: list[dict] = []
        after = None
        with requests.Session() as session:
            while True:
                variables = {"query": _updated_since(night), "after": after}
                page = self._graphql(session, ORDERS_PAGE, variables, pages)["orders"]
                orders += [
                    order
                    for order in map(_flatten_page_order, page["nodes"])
                    if has_event_within(order, night)
                ]
                if not page["pageInfo"]["hasNextPage"]:
                    return orders, pages
                after = page["pageInfo"]["endCursor"]

    def bulk_orders(self, first: Night, last: Night) -> list[dict]:
        """Every order updated since `first` night began, as the bulk file's lines (the caller
        keeps the orders with an event from `first` to `last`)."""
        with requests.Session() as session:
            query = BULK_QUERY % json.dumps(_updated_since(first))
            run = self._graphql(session, BULK_RUN, {"query": query}, [])
            errors = run["bulkOperationRunQuery"]["userErrors"]
            if errors:
                raise ExtractError(f"Shopify refused the bulk query: {errors[0]['message']}")
            deadline = time.monotonic() + self.bulk_timeout_seconds
            while True:
                status = self._graphql(session, BULK_POLL, {}, [])["currentBulkOperation"]
                if status["status"] == "COMPLETED":
                    break
                if status["status"] in {"FAILED", "CANCELED", "CANCELLED", "EXPIRED"}:
                    raise ExtractError(
                        f"Shopify's bulk operation {status['status'].lower()}"
                        f" ({status.get('errorCode') or 'no error code'}): run it again"
                    )
                if time.monotonic() > deadline:
                    raise ExtractError(
                        f"Shopify's bulk operation was not done in {self.bulk_timeout_seconds:g} s"
                    )
                time.sleep(self.poll_seconds)
            if not status.get("url"):  # no order in the range: Shopify gives no file
                return []
            # A signed download URL: the token is not sent to it.
            response = self._send(session, "GET", status["url"], None, {})
            return [json.loads(line) for line in response.text.splitlines() if line.strip()]

    def _graphql(self, session, query: str, variables: dict, pages: list[dict]) -> dict:
        body = {"query": query, "variables": variables}
        headers = {"X-Shopify-Access-Token": self.token, "Content-Type": "application/json"}
        for attempt in range(self.max_retries + 1):
            answer = self._send(session, "POST", self._endpoint(), body, headers).json()
            cost = (answer.get("extensions") or {}).get("cost") or {}
            wait = _points_wait(cost)
            codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []}
            if "THROTTLED" in codes:
                if attempt == self.max_retries or wait > self.max_retry_after:
                    break
                time.sleep(max(wait, backoff_seconds(0)))
                continue
            if answer.get("errors"):
                message = " ".join(str(answer["errors"][0].get("message", "")).split())
                raise ExtractError(f"Shopify refused the query: {redact(message)}")
            pages.append(answer)
            if 0 < wait <= self.max_retry_after:  # fewer points left than this page cost
                time.sleep(wait)
            return answer["data"]
        raise ExtractError(
            f"Shopify kept throttling the extract after {self.max_retries + 1} attempts:"
            " run it again later"
        )

    def _send(self, session, method: str, url: str, body, headers) -> requests.Response:
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                response = session.request(method, url, json=body, headers=headers, timeout=60)
            except requests.RequestException as err:
                last = f"no answer ({type(err).__name__})"
                time.sleep(backoff_seconds(attempt))
                continue
            status = response.status_code
            if status in {401, 403}:
                raise ExtractError(
                    f"Shopify rejected SHOPIFY_ADMIN_TOKEN: HTTP {status} {_said(response)}"
                    " (check the custom app's token and its read_orders scope)"
                )
            if status == 429 or status >= 500:
                last = f"HTTP {status}"
                wait = retry_after_seconds(response.headers, attempt)
                if wait > self.max_retry_after:
                    break
                if attempt < self.max_retries:
                    time.sleep(wait)
                continue
            if status != 200:
                raise ExtractError(f"Shopify answered HTTP {status}: {_said(response)}")
            return response
        raise ExtractError(f"Shopify did not deliver: {last} after {self.max_retries + 1} attempts")


def _said(response: requests.Response) -> str:
    """Shopify's own error text, one line."""
    try:
        errors = response.json().get("errors")
    except ValueError:
        errors = response.text
    return " ".join(redact(str(errors or response.reason)).split())[:200]


def _points_wait(cost: dict) -> float:
    """Seconds until the query's cost is restored (0 when there are points enough)."""
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable", needed))
    rate = float(status.get("restoreRate") or 0)
    return max(0.0, needed - available) / rate if rate else 0.0


def _updated_since(night: Night) -> str:
    """Shopify's search for every order updated since `night` began. No upper bound: an
    order refunded tonight and touched again later has a later `updated_at`."""
    return f"updated_at:>='{night.start.astimezone(UTC).strftime(ISO_UTC)}'"


def _within(text: str | None, night: Night) -> bool:
    return bool(text) and night.start <= instant(text) < night.end


def has_event_within(order: dict, night: Night) -> bool:
    """Whether the order was created, refunded or cancelled within `night`."""
    moments = [order["createdAt"], order.get("cancelledAt")]
    moments += [r["createdAt"] for r in order.get("refunds") or []]
    return any(_within(m, night) for m in moments)


def _flatten_page_order(order: dict) -> dict:
    lines = order.get("lineItems", {}).get("nodes", [])
    return {**{k: v for k, v in order.items() if k != "lineItems"}, "lineItems": lines}


def line_items_cut(page: dict) -> bool:
    """Whether an order of a night's page has more line items than the page holds (250)."""
    return any(o["lineItems"]["pageInfo"]["hasNextPage"] for o in page["data"]["orders"]["nodes"])


def bulk_by_order(lines: list[dict]) -> Iterator[tuple[dict, list[dict]]]:
    """The bulk file's orders, each with its line items and its own raw lines."""
    children: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        if "__parentId" in line:
            children[line["__parentId"]].append(line)
    for line in lines:
        if "__parentId" not in line:
            items = children[line["id"]]
            order = {
                **line,
                "lineItems": [{k: v for k, v in i.items() if k != "__parentId"} for i in items],
            }
            yield order, [line, *items]


def export_rows(order: dict, night: Night) -> list[dict]:
    """An order as the rows of Shopify's orders export holding `night`'s events only: the
    refunds created within it (by their own `createdAt`), its cancellation if within it. The
    `order` row is always there (the adapter dates it by `Created at`; a night lands only the
    rows it dates that night)."""
    money = order["totalPriceSet"]["shopMoney"]
    refunds = [r for r in order.get("refunds") or [] if _within(r["createdAt"], night)]
    refunded = sum(
        (Decimal(r["totalRefundedSet"]["shopMoney"]["amount"]) for r in refunds), Decimal(0)
    )
    done = sorted(
        (t for t in order.get("transactions") or [] if t.get("status") == "SUCCESS"),
        key=lambda t: t.get("processedAt") or "",
    )
    paid = [t["processedAt"] for t in done if t.get("kind") in PAID_KINDS and t.get("processedAt")]
    gateways = list(dict.fromkeys(t["gateway"] for t in done if t.get("kind") in TENDER_KINDS))
    cancelled = order.get("cancelledAt") or ""
    first = {
        "Name": order["name"],
        "Currency": money["currencyCode"],
        "Total": money["amount"],
        "Created at": order["createdAt"],
        "Paid at": paid[0] if paid else "",
        "Cancelled at": cancelled if _within(cancelled, night) else "",
        "Refunded Amount": format(refunded, "f"),
        "Refunded at": max((r["createdAt"] for r in refunds), key=instant, default=""),
        "Payment Method": " + ".join(gateways or order.get("paymentGatewayNames") or []),
    }
    items = order.get("lineItems") or [{"quantity": 0, "requiresShipping": False}]
    return [
        {
            **(first if i == 0 else {"Name": order["name"], "Created at": order["createdAt"]}),
            "Lineitem quantity": str(item["quantity"]),
            "Lineitem requires shipping": "true" if item["requiresShipping"] else "false",
        }
        for i, item in enumerate(items)
    ]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
