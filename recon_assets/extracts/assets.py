"""The extract assets: one per feed of `rules/sources.yaml` pulled `via: api`, in the group
`extracts`, partitioned like every asset and upstream of the sources they land files for.

They exist only for feeds configured so: with every feed via files (the default) there is no
extract, no credential is asked for and the graph is what it was. Each night's extract
writes that night's landing files (recon_assets/extracts/common.py `land_night`) and its raw
pages; a night the vendor did not deliver fails the extract in one line and leaves no landing
file, so the reconciliation of that night says the source did not deliver.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from recon_assets.adapters import AdapterError
from recon_assets.adapters.config import Feed, SourcesConfigError
from recon_assets.adapters.registry import ADAPTERS_BY_FORMAT
from recon_assets.extracts import shopify_api, stripe_api
from recon_assets.extracts.common import (
    ExtractError,
    Night,
    land_night,
    write_export_rows,
    write_raw_pages,
)
from recon_assets.jobs import EXTRACTS_GROUP
from recon_assets.partitions import SINGLE_RUN, each_night
from recon_assets.sources.resource import LandingSource


@dataclass(frozen=True)
class Pulled:
    """A night as the API gave it: rows in the vendor export's columns, and the raw pages."""

    header: list[str]
    rows: list[dict]
    pages: list


@dataclass(frozen=True)
class Extract:
    asset: str
    resource: str
    description: str
    kind: str
    # (resource, feed, the run's nights in date order) -> each night's pull
    pull: Callable[[dg.ConfigurableResource, Feed, list[Night]], dict[str, Pulled]]


def _pull_stripe(api: stripe_api.StripeResource, feed: Feed, nights: list[Night]):
    pulled = {}
    for night in nights:
        rows, pages = api.pull(night, feed.account)
        pulled[night.business_date] = Pulled(stripe_api.header_of(rows), rows, pages)
    return pulled


def _pull_shopify(api: shopify_api.ShopifyResource, feed: Feed, nights: list[Night]):
    if feed.shop and feed.shop.strip().lower() != api.shop_domain.lower():
        raise ExtractError(
            f"rules/sources.yaml names shop {feed.shop} but SHOPIFY_SHOP is {api.shop_domain}:"
            " set the one the token belongs to"
        )
    header = list(shopify_api.HEADER)
    if len(nights) == 1:  # one night: a paginated query
        orders, pages = api.night_orders(nights[0])
        if not any(map(shopify_api.line_items_cut, pages)):
            rows = [r for o in orders for r in shopify_api.export_rows(o, nights[0])]
            return {nights[0].business_date: Pulled(header, rows, pages)}
        # An order with more line items than a page holds: the bulk file lists them all.
    # A backfill: one bulk operation over the orders updated since the first night, split
    # into the nights each order has an event in (created, refunded, cancelled).
    lines = api.bulk_orders(nights[0], nights[-1])
    pulled = {n.business_date: Pulled(header, [], []) for n in nights}
    for order, raw in shopify_api.bulk_by_order(lines):
        for night in nights:
            if shopify_api.has_event_within(order, night):
                pulled[night.business_date].rows.extend(shopify_api.export_rows(order, night))
                pulled[night.business_date].pages.extend(raw)
    return pulled


EXTRACTS: dict[str, Extract] = {
    "stripe-balance-change": Extract(
        "stripe_balance_transactions",
        "stripe_api",
        "Stripe's balance transactions of the night and the lines of its payouts, pulled "
        "from Stripe's API into the processor landing files.",
        "stripe",
        _pull_stripe,
    ),
    "shopify-orders": Extract(
        "shopify_orders",
        "shopify_api",
        "Shopify's orders of the night with their refunds and transactions, pulled from the "
        "Admin GraphQL API into the storefront landing file.",
        "shopify",
        _pull_shopify,
    ),
}


def api_feeds(feeds: list[Feed]) -> list[Feed]:
    """The feeds pulled from an API; one per format, since each has one extract asset."""
    seen: dict[str, Feed] = {}
    for feed in feeds:
        if feed.via != "api":
            continue
        if feed.format in seen:
            raise SourcesConfigError(
                f"rules/sources.yaml, line {feed.line}: a second {feed.format} feed via api"
                f" (the first is on line {seen[feed.format].line}); one API feed per format"
            )
        seen[feed.format] = feed
    return list(seen.values())


def source_deps(feeds: list[Feed]) -> dict[str, list[str]]:
    """Source asset -> the extracts that land its files (the graph's lineage)."""
    deps: dict[str, list[str]] = {}
    for feed in api_feeds(feeds):
        for source in ADAPTERS_BY_FORMAT[feed.format].sources:
            deps.setdefault(source, []).append(EXTRACTS[feed.format].asset)
    return deps


def build_extract_asset(feed: Feed, partitions_def: dg.PartitionsDefinition):
    extract = EXTRACTS[feed.format]
    tz = ZoneInfo(feed.timezone)

    @dg.asset(
        name=extract.asset,
        description=extract.description,
        group_name=EXTRACTS_GROUP,
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        kinds={extract.kind, "csv"},
        required_resource_keys={extract.resource, "landing"},
    )
    def _extract(context: dg.AssetExecutionContext):
        landing: LandingSource = context.resources.landing
        landing_dir = Path(landing.landing_dir)
        nights = [Night.of(key, tz) for key in context.partition_keys]
        try:
            pulled = extract.pull(getattr(context.resources, extract.resource), feed, nights)
        except ExtractError as err:
            raise dg.Failure(description=str(err)) from None

        def land(night: str) -> dg.MaterializeResult:
            got = pulled[night]
            raw = write_raw_pages(landing_dir, extract.asset, night, got.pages)
            export_csv = write_export_rows(landing_dir, extract.asset, night, got.header, got.rows)
            try:
                summary = land_night(feed, export_csv, landing_dir, night)
            except AdapterError as err:
                raise dg.Failure(
                    description=f"{extract.asset} for {night} was refused: {err}"
                ) from None
            return dg.MaterializeResult(
                metadata={
                    "api_records": len(got.rows),
                    "raw_pages": len(got.pages),
                    "raw": str(raw),
                    "landing_rows": summary.rows,
                    "landing_files": "\n".join(
                        str(p) for p in sorted({*summary.files, *summary.quiet_files})
                    ),
                    "skipped_rows": sum(line.rows for line in summary.skipped),
                }
            )

        yield from each_night(context, lambda night: [land(night)])

    return _extract


def build_extract_assets(
    feeds: list[Feed], partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetsDefinition]:
    return [build_extract_asset(feed, partitions_def) for feed in api_feeds(feeds)]
