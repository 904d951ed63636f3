"""Stripe's balance transactions, pulled for one night through the official `stripe` SDK.

What a night is: the balance transactions `created` within the business date in the
retailer's zone (charges, refunds, disputes: their source expanded, and the charge behind a
refund or dispute fetched for its metadata, which holds the order key), and the payouts
arriving within it with their itemised lines (`balance_transactions?payout=`). Each becomes a
row of the itemised balance change report, so `adapters/stripe.py` maps it exactly as it maps
the downloaded report: a transaction on the night it was created, a settlement line on the
night its payout arrived.

Politeness: the SDK retries 5xx, 409 and connection errors itself (`max_network_retries`,
exponential backoff) but neither waits on a 429 nor reads `Retry-After`; `_PoliteClient`
does both below the SDK, so auto-pagination resumes at the page that was refused. The key
comes only from STRIPE_API_KEY (dg.EnvVar) and never appears in an error, a log or metadata.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import dagster as dg
import stripe

from recon_assets.extracts.common import ExtractError, Night, major_units, retry_after_seconds
from recon_assets.redact import redact

DEFAULT_BASE_URL = "https://api.stripe.com"
REPORT_TIME = "%Y-%m-%d %H:%M:%S"
# The itemised balance change report's columns the adapter reads; metadata columns follow.
HEADER = (
    "balance_transaction_id",
    "created_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
)
SETTLED_PAYOUTS = {"paid", "in_transit"}
PAGE = {"limit": 100}


class _PoliteClient(stripe.RequestsClient):
    """Waits out a 429 as `Retry-After` says (at most `max_waits` times, each at most
    `max_retry_after` seconds) and records every page Stripe delivered."""

    def __init__(self, max_waits: int, max_retry_after: float):
        super().__init__(timeout=60)
        self.max_waits, self.max_retry_after = max_waits, max_retry_after
        self.pages: list[dict] = []

    def request(self, method, url, headers, post_data=None):
        for attempt in range(self.max_waits + 1):
            content, status, rheaders = super().request(method, url, headers, post_data)
            wait = retry_after_seconds(rheaders, attempt)
            if status != 429 or attempt == self.max_waits or wait > self.max_retry_after:
                break
            time.sleep(wait)
        if status == 200:
            parts = urlsplit(url)
            request = parts.path + (f"?{parts.query}" if parts.query else "")
            self.pages.append({"request": request, "response": json.loads(content)})
        return content, status, rheaders


class StripeResource(dg.ConfigurableResource):
    """Stripe's API: the key from STRIPE_API_KEY, the base URL from RECON_STRIPE_BASE_URL."""

    api_key: str
    base_url: str = DEFAULT_BASE_URL
    max_retries: int = 3
    max_retry_after: float = 60.0

    def pull(self, night: Night, account: str | None) -> tuple[list[dict], list[dict]]:
        """The night's export rows and the raw pages they came from."""
        http = _PoliteClient(self.max_retries, self.max_retry_after)
        client = stripe.StripeClient(
            self.api_key,
            base_addresses={"api": self.base_url.rstrip("/")},
            max_network_retries=self.max_retries,
            http_client=http,
        )
        options: stripe.RequestOptions = {"stripe_account": account} if account else {}
        try:
            rows = list(_night_rows(client, options, night))
        except stripe.AuthenticationError as err:
            raise ExtractError(
                f"Stripe rejected STRIPE_API_KEY: {_said(err)} (create a new restricted key)"
            ) from None
        except stripe.PermissionError as err:
            raise ExtractError(
                f"Stripe refused STRIPE_API_KEY access: {_said(err)} (the key needs read "
                "access to balance, charges, disputes, refunds and payouts)"
            ) from None
        except stripe.RateLimitError:
            raise ExtractError(
                f"Stripe kept rate-limiting the extract of {night.business_date}"
                f" ({self.max_retries + 1} attempts, or a Retry-After over"
                f" {self.max_retry_after:g} s): run it again later"
            ) from None
        except stripe.StripeError as err:
            status = f"HTTP {err.http_status}" if err.http_status else "no answer"
            raise ExtractError(
                f"Stripe did not deliver {night.business_date}: {status} after "
                f"{self.max_retries + 1} attempts ({_said(err)})"
            ) from None
        return rows, http.pages


def _said(err: stripe.StripeError) -> str:
    """Stripe's own message, one line; Stripe masks a key it echoes, and `redact` removes
    the configured key should it ever appear."""
    return " ".join(redact(str(err.user_message or type(err).__name__)).split())


def _utc(epoch: int | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime(REPORT_TIME)


def _night_rows(
    client: stripe.StripeClient, options: stripe.RequestOptions, night: Night
) -> Iterator[dict]:
    span = {"gte": int(night.start.timestamp()), "lt": int(night.end.timestamp())}
    created = client.v1.balance_transactions.list(
        {**PAGE, "created": span, "expand": ["data.source"]}, options
    )
    rows = {bt.id: (bt, None) for bt in created.auto_paging_iter()}
    payouts = client.v1.payouts.list({**PAGE, "arrival_date": span}, options)
    for payout in payouts.auto_paging_iter():
        if payout.status not in SETTLED_PAYOUTS or not payout.automatic:
            continue
        lines = client.v1.balance_transactions.list(
            {**PAGE, "payout": payout.id, "expand": ["data.source"]}, options
        )
        rows.update({bt.id: (bt, payout) for bt in lines.auto_paging_iter()})
    charges: dict[str, dict] = {}
    for bt_id in sorted(rows):
        bt, payout = rows[bt_id]
        yield _report_row(bt.to_dict(), payout, _charge(client, options, bt, charges))


def _charge(client, options, bt, charges: dict[str, dict]) -> dict:
    """The charge whose metadata and description hold the order key: the source itself, or
    the charge a refund or dispute points at (fetched once per charge)."""
    source = bt.source
    if source is None or isinstance(source, str):
        return {}
    if source.object == "charge":
        return source.to_dict()
    charge = getattr(source, "charge", None)
    if isinstance(charge, str):
        if charge not in charges:
            charges[charge] = client.v1.charges.retrieve(charge, options=options).to_dict()
        return charges[charge]
    return charge.to_dict() if charge is not None else {}


def _report_row(bt: dict, payout, charge: dict) -> dict:
    """One balance transaction as a row of the itemised balance change report."""
    source = bt.get("source")
    currency = bt["currency"]
    metadata = charge.get("metadata") or {}
    return {
        "balance_transaction_id": bt["id"],
        "created_utc": _utc(bt["created"]),
        "currency": currency,
        "gross": major_units(bt["amount"], currency),
        "fee": major_units(bt["fee"], currency),
        "net": major_units(bt["net"], currency),
        "reporting_category": bt.get("reporting_category") or bt.get("type") or "",
        "source_id": (source.get("id") if isinstance(source, dict) else source) or "",
        "description": charge.get("description") or bt.get("description") or "",
        "automatic_payout_id": payout.id if payout else "",
        "automatic_payout_effective_at_utc": _utc(payout.arrival_date) if payout else "",
        **{f"payment_metadata[{k}]": str(v) for k, v in sorted(metadata.items())},
    }


def header_of(rows: list[dict]) -> list[str]:
    """The report's columns, then every metadata column the night's charges carry, sorted."""
    extra = sorted({k for row in rows for k in row} - set(HEADER))
    return [*HEADER, *extra]
