"""Loopback servers that speak Stripe's list API and Shopify's Admin GraphQL (pagination,
bulk operations, throttling and error shapes), serving the real samples' values from
../shared/formats. `script` queues answers (a 429, a 500, a throttled query) served before
the normal ones, so a test can make the vendor misbehave."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from recon_assets_tests.conftest import SHARED_FORMATS

STRIPE_SAMPLE = SHARED_FORMATS / "stripe_balance_change_itemized.sample.csv"
SHOPIFY_SAMPLE = SHARED_FORMATS / "shopify_orders.sample.csv"
STRIPE_KEY = "rk_test_51RecOnKeyNeverLogged0000abcd"
SHOPIFY_TOKEN = "shpat_recon_token_never_logged_1234"
METADATA = re.compile(r"^payment_metadata\[(.+)\]$")
# Shopify's search syntax as the extract uses it: `updated_at:>='2025-04-01T23:00:00Z'`.
# Shopify's cap on a connection's page, as a night's query asks for line items.
LINE_ITEMS_PAGE = 250
SEARCH_TERM = re.compile(r"(created_at|updated_at):(>=|<)'([^']+)'")


def _epoch(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp())


def _minor(text: str) -> int:
    return int(Decimal(text).scaleb(2))


@dataclass
class Answer:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


def _json(answer: Answer) -> Response:
    return Response(
        json.dumps(answer.body), answer.status, answer.headers, content_type="application/json"
    )


class FakeStripe:
    """`/v1/balance_transactions` (created range, payout filter, `expand[]=data.source`),
    `/v1/payouts` (arrival_date range), `/v1/charges/<id>`: newest first, `limit` capped at
    `page_size`, `starting_after` and `has_more` as Stripe pages."""

    def __init__(self, server: HTTPServer, page_size: int = 5):
        self.page_size = page_size
        self.transactions: list[dict] = []
        self.objects: dict[str, dict] = {}  # charges, refunds and payouts by id
        self.script: list[Answer] = []
        self.requests: list[str] = []
        server.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self.handle)

    @classmethod
    def from_sample(cls, server: HTTPServer, **kwargs) -> FakeStripe:
        """Every row of the itemised balance change sample as the API holds it: the balance
        transaction, its charge (with the row's payment metadata), its refund, its payout
        (whose own balance transaction is a line of it, as Stripe lists it)."""
        fake = cls(server, **kwargs)
        with STRIPE_SAMPLE.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                fake.add_sample_row(row)
        for payout in [o for o in fake.objects.values() if o["object"] == "payout"]:
            net = sum(t["net"] for t in fake.transactions if t.get("payout") == payout["id"])
            payout["amount"] = net
            fake.transactions.append(
                {
                    "id": "txn_" + payout["id"].removeprefix("po_"),
                    "object": "balance_transaction",
                    "amount": -net,
                    "fee": 0,
                    "net": -net,
                    "currency": "gbp",
                    "created": payout["arrival_date"],
                    "reporting_category": "payout",
                    "type": "payout",
                    "description": "STRIPE PAYOUT",
                    "source": payout["id"],
                    "payout": payout["id"],
                }
            )
        return fake

    def add_sample_row(self, row: dict, **metadata: str) -> dict:
        category = row["reporting_category"]
        charge = self.objects.setdefault(
            row["charge_id"],
            {
                "id": row["charge_id"],
                "object": "charge",
                "description": row["description"] if category == "charge" else "",
                "metadata": {
                    m.group(1): v for k, v in row.items() if (m := METADATA.match(k)) and v
                },
            },
        )
        charge["metadata"].update(metadata)
        if category == "refund":
            self.objects[row["source_id"]] = {
                "id": row["source_id"],
                "object": "refund",
                "charge": row["charge_id"],
            }
        payout = row.get("automatic_payout_id")
        if payout:
            self.objects.setdefault(
                payout,
                {
                    "id": payout,
                    "object": "payout",
                    "arrival_date": _epoch(row["automatic_payout_effective_at_utc"]),
                    "status": "paid",
                    "automatic": True,
                    "currency": "gbp",
                },
            )
        transaction = {
            "id": row["balance_transaction_id"],
            "object": "balance_transaction",
            "amount": _minor(row["gross"]),
            "fee": _minor(row["fee"]),
            "net": _minor(row["net"]),
            "currency": row["currency"],
            "created": _epoch(row["created_utc"]),
            "reporting_category": category,
            "type": category,
            "description": row["description"],
            "source": row["source_id"],
            "payout": payout or None,
        }
        self.transactions.append(transaction)
        return transaction

    def handle(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        if request.headers.get("Authorization") != f"Bearer {STRIPE_KEY}":
            return _json(
                Answer(
                    401,
                    {
                        "error": {
                            "code": "api_key_expired",
                            "message": "Expired API Key provided: rk_test_****abcd",
                            "type": "invalid_request_error",
                        }
                    },
                )
            )
        if self.script:
            return _json(self.script.pop(0))
        path, args = request.path, request.args
        if path.startswith("/v1/charges/"):
            return _json(Answer(200, self.objects[path.rsplit("/", 1)[1]]))
        if path == "/v1/payouts":
            found = [
                o
                for o in self.objects.values()
                if o["object"] == "payout" and _within(o["arrival_date"], args, "arrival_date")
            ]
            return self._page(path, sorted(found, key=lambda o: -o["arrival_date"]), args)
        if path == "/v1/balance_transactions":
            if "payout" in args:
                found = [t for t in self.transactions if t.get("payout") == args["payout"]]
            else:
                found = [t for t in self.transactions if _within(t["created"], args, "created")]
            found = sorted(found, key=lambda t: (-t["created"], t["id"]))
            if "data.source" in args.getlist("expand[0]") + args.getlist("expand[]"):
                found = [{**t, "source": self.objects.get(t["source"], t["source"])} for t in found]
            return self._page(path, [_public(t) for t in found], args)
        return _json(Answer(404, {"error": {"message": f"Unrecognized request URL {path}"}}))

    def _page(self, path: str, found: list[dict], args) -> Response:
        start = 0
        if "starting_after" in args:
            start = [o["id"] for o in found].index(args["starting_after"]) + 1
        size = min(int(args.get("limit", 10)), self.page_size)
        data = found[start : start + size]
        body = {"object": "list", "url": path, "has_more": start + size < len(found), "data": data}
        return _json(Answer(200, body))


def _public(transaction: dict) -> dict:
    """A balance transaction as Stripe shows it: which payout carries it is not a field."""
    return {k: v for k, v in transaction.items() if k != "payout"}


def _within(value: int, args, name: str) -> bool:
    low, high = args.get(f"{name}[gte]"), args.get(f"{name}[lt]")
    return (low is None or value >= int(low)) and (high is None or value < int(high))


def updated_at(order: dict) -> str:
    """An order's `updatedAt`: its own when given, else its latest event (a refund, a
    cancellation or a transaction updates the order)."""
    if order.get("updatedAt"):
        return order["updatedAt"]
    moments = [order["createdAt"], order.get("cancelledAt")]
    moments += [r["createdAt"] for r in order.get("refunds") or []]
    moments += [t.get("processedAt") for t in order.get("transactions") or []]
    return max((m for m in moments if m), key=datetime.fromisoformat)


def _iso(text: str) -> str | None:
    """The export's `2025-04-01 13:24:39 -0700` as the API writes it, ISO-8601."""
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").isoformat()


def shopify_orders_from_sample(path: Path = SHOPIFY_SAMPLE) -> list[dict]:
    """The orders export sample as the Admin API holds it: one order per `Name`, its line
    items, its refund (at the latest time the order has: the export has no refund date) and
    its payment transaction."""
    lines: dict[str, list[dict]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lines[row["Name"]].append(row)
    orders = []
    for number, (name, rows) in enumerate(lines.items(), start=1):
        first = rows[0]
        currency, gateway = first["Currency"], first["Payment Method"]
        moments = [first[c] for c in ("Created at", "Paid at", "Fulfilled at") if first[c]]
        latest = max(moments, key=lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S %z"))
        refunded = Decimal(first["Refunded Amount"] or 0)
        orders.append(
            {
                "id": f"gid://shopify/Order/{number}",
                "name": name,
                "createdAt": _iso(first["Created at"]),
                "cancelledAt": _iso(first["Cancelled at"]),
                "paymentGatewayNames": [gateway] if gateway else [],
                "totalPriceSet": {
                    "shopMoney": {"amount": first["Total"], "currencyCode": currency}
                },
                "refunds": [
                    {
                        "createdAt": _iso(latest),
                        "totalRefundedSet": {
                            "shopMoney": {
                                "amount": first["Refunded Amount"],
                                "currencyCode": currency,
                            }
                        },
                    }
                ]
                if refunded > 0
                else [],
                "transactions": [
                    {
                        "kind": "SALE",
                        "status": "SUCCESS",
                        "gateway": gateway,
                        "processedAt": _iso(first["Paid at"]),
                    }
                ]
                if first["Paid at"]
                else [],
                "lineItems": [
                    {
                        "quantity": int(r["Lineitem quantity"]),
                        "requiresShipping": r["Lineitem requires shipping"] == "true",
                    }
                    for r in rows
                ],
            }
        )
    return orders


THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {
        "cost": {
            "requestedQueryCost": 202,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 102,
                "restoreRate": 100.0,
            },
        }
    },
}


class FakeShopify:
    """`POST /admin/api/<version>/graphql.json`: the `orders` connection (created/updated range,
    `first`/`after`, `pageInfo`), `bulkOperationRunQuery` then `currentBulkOperation`
    (RUNNING once, then COMPLETED with a JSONL URL on this same server)."""

    def __init__(self, server: HTTPServer, orders: list[dict], page_size: int = 2):
        self.server, self.orders, self.page_size = server, orders, page_size
        self.script: list[Answer] = []
        self.queries: list[dict] = []
        self.bulk_search = ""
        self.polls = 0
        server.expect_request(re.compile(r"^/admin/api/.*/graphql\.json$")).respond_with_handler(
            self.handle
        )
        server.expect_request("/bulk/orders.jsonl").respond_with_handler(self.bulk_file)

    def _created(self, search: str) -> list[dict]:
        """The orders matching the search's `created_at`/`updated_at` terms, as Shopify
        selects them; every term must hold, and a search without a term is refused."""
        terms = SEARCH_TERM.findall(search)
        assert terms, f"no created_at/updated_at term in {search!r}"

        def holds(order: dict, field: str, op: str, text: str) -> bool:
            moment = updated_at(order) if field == "updated_at" else order["createdAt"]
            value, bound = datetime.fromisoformat(moment), datetime.fromisoformat(text)
            return value >= bound if op == ">=" else value < bound

        return [o for o in self.orders if all(holds(o, *term) for term in terms)]

    def handle(self, request: Request) -> Response:
        body = request.get_json()
        self.queries.append(body)
        if request.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return _json(Answer(401, {"errors": message}))
        if self.script:
            return _json(self.script.pop(0))
        query, variables = body["query"], body.get("variables") or {}
        if "bulkOperationRunQuery" in query:
            self.bulk_search, self.polls = variables["query"], 0
            operation = {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"}
            return self._data(
                {"bulkOperationRunQuery": {"bulkOperation": operation, "userErrors": []}}
            )
        if "currentBulkOperation" in query:
            self.polls += 1
            found = self._created(self.bulk_search)
            done = self.polls > 1
            status = {
                "id": "gid://shopify/BulkOperation/1",
                "status": "COMPLETED" if done else "RUNNING",
                "errorCode": None,
                "objectCount": str(len(found)),
                "url": self.server.url_for("/bulk/orders.jsonl") if done and found else None,
            }
            return self._data({"currentBulkOperation": status})
        found = sorted(self._created(variables["query"]), key=lambda o: o["createdAt"])
        start = int(variables["after"]) if variables.get("after") else 0
        nodes = [
            {
                **o,
                "lineItems": {
                    "pageInfo": {"hasNextPage": len(o["lineItems"]) > LINE_ITEMS_PAGE},
                    "nodes": o["lineItems"][:LINE_ITEMS_PAGE],
                },
            }
            for o in found[start : start + self.page_size]
        ]
        more = start + self.page_size < len(found)
        page = {"hasNextPage": more, "endCursor": str(start + self.page_size) if more else None}
        return self._data({"orders": {"pageInfo": page, "nodes": nodes}})

    def _data(self, data: dict) -> Response:
        cost = {
            "requestedQueryCost": 52,
            "actualQueryCost": 12,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1988,
                "restoreRate": 100.0,
            },
        }
        return _json(Answer(200, {"data": data, "extensions": {"cost": cost}}))

    def bulk_file(self, request: Request) -> Response:
        """Shopify's bulk JSONL: an order per line, then each line item with `__parentId`."""
        lines = []
        for order in sorted(self._created(self.bulk_search), key=lambda o: o["createdAt"]):
            lines.append({k: v for k, v in order.items() if k != "lineItems"})
            lines += [{**item, "__parentId": order["id"]} for item in order["lineItems"]]
        text = "".join(json.dumps(line) + "\n" for line in lines)
        return Response(text, 200, content_type="application/jsonl")
