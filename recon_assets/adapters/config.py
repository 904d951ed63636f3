"""`rules/sources.yaml`: which vendor export feeds which canonical source each night.

```yaml
feeds:
  - format: stripe-balance-change      # one of FORMATS
    path: stripe/Itemised_balance_change_*.csv   # a path or glob, relative to the exports dir
    timezone: Europe/London            # optional, default RECON_TIMEZONE
    processor: stripe                  # optional, processor formats only
    currency: GBP                      # optional, for exports without currency (ledgers, POS)
    order_key: metadata.order_id       # optional, processor formats: the field with the order key
    via: files                         # optional: files (default) or api (recon_assets/extracts)
    account: acct_123                  # api only, Stripe: a connected account (Stripe-Account)
    shop: my-store.myshopify.com       # api only, Shopify: must be the shop SHOPIFY_SHOP names
```

A feed `via: api` is pulled every night by its extract asset (API_FORMATS: Stripe's balance
transactions, Shopify's orders) instead of read from `path`, which it does not take.

Validation is strict: an unknown key, an unknown format or zone, a processor on a format that
feeds no processor source, an `order_key` the format does not have, or two Stripe settlement
reports (itemized balance change and itemized payouts) for one processor (their lines would be
counted twice) fail with the file and line of the offending entry.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from recon_assets.adapters.common import parse_currency, zone
from recon_assets.adapters.registry import ADAPTERS_BY_FORMAT, FORMATS
from recon_assets.rules import RulesError, line_of, load_yaml_model
from recon_assets.settings import DEFAULT_TIMEZONE

EXCLUSIVE_SETTLEMENT_FORMATS = frozenset({"stripe-balance-change", "stripe-payouts"})
# Formats an extract can pull from the vendor's API (recon_assets/extracts), and what it takes.
API_FORMATS = {"stripe-balance-change": "account", "shopify-orders": "shop"}


class SourcesConfigError(ValueError):
    """`rules/sources.yaml` is not valid; the message names the file and line."""


class _Feed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    path: str | None = None  # files only
    timezone: str | None = None  # None: the retailer's zone, given when the file is loaded
    processor: str | None = None
    currency: str | None = None
    order_key: str | None = None
    via: Literal["files", "api"] = "files"
    account: str | None = None
    shop: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"unknown format {value!r}; expected one of {', '.join(FORMATS)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        return None if value is None else parse_currency(value)

    @field_validator("path")
    @classmethod
    def _non_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[_Feed]


@dataclass(frozen=True)
class Feed:
    format: str
    path: str | None
    timezone: str
    processor: str | None
    currency: str | None
    order_key: str | None
    line: int  # where the entry starts in sources.yaml
    via: str = "files"
    account: str | None = None
    shop: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return ADAPTERS_BY_FORMAT[self.format].sources

    def files(self, base: Path) -> list[Path]:
        """The exports this feed reads, sorted (a glob may match several); none from an API."""
        if self.path is None:
            return []
        pattern = str(base / self.path)
        return sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())


def load_sources(path: Path | str, default_timezone: str = DEFAULT_TIMEZONE) -> list[Feed]:
    """The feeds of `path`; a feed without `timezone` takes `default_timezone` (RECON_TIMEZONE)."""
    path = Path(path)
    try:
        parsed = load_yaml_model(path, _SourcesFile)
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (RulesError, OSError) as err:
        raise SourcesConfigError(str(err)) from None
    feeds = [
        Feed(
            f.format,
            f.path,
            f.timezone or default_timezone,
            f.processor,
            f.currency,
            f.order_key,
            line_of(root, ("feeds", i)),
            f.via,
            f.account,
            f.shop,
        )
        for i, f in enumerate(parsed.feeds)
    ]
    _check_feeds(path, feeds)
    return feeds


def _check_feeds(path: Path, feeds: list[Feed]) -> None:
    settling: dict[str, Feed] = {}
    for feed in feeds:
        adapter = ADAPTERS_BY_FORMAT[feed.format]
        _check_via(path, feed)
        if feed.processor and not adapter.feeds_processor:
            raise SourcesConfigError(
                f"{path}, line {feed.line}: processor is only for processor formats,"
                f" not {feed.format}"
            )
        if feed.order_key is not None:
            if adapter.order_keys is None:
                raise SourcesConfigError(
                    f"{path}, line {feed.line}: order_key is only for formats whose records"
                    f" carry an order key, not {feed.format}"
                )
            try:
                adapter.order_keys.header(feed.order_key)
            except ValueError as err:
                raise SourcesConfigError(f"{path}, line {feed.line}: {err}") from None
        if feed.format in EXCLUSIVE_SETTLEMENT_FORMATS:
            processor = feed.processor or adapter.default_processor or ""
            other = settling.get(processor)
            if other and other.format != feed.format:
                raise SourcesConfigError(
                    f"{path}, line {feed.line}: {feed.format} and {other.format} (line"
                    f" {other.line}) both settle processor {processor!r}; use one"
                )
            settling[processor] = feed


def _check_via(path: Path, feed: Feed) -> None:
    """A file feed names its files; an API feed names none, and only what its API takes."""
    where = f"{path}, line {feed.line}"
    if feed.via == "files":
        if feed.path is None:
            raise SourcesConfigError(f"{where}: path is required for a feed via files")
        if feed.account or feed.shop:
            raise SourcesConfigError(f"{where}: account and shop are only for a feed via api")
        return
    if feed.format not in API_FORMATS:
        raise SourcesConfigError(
            f"{where}: no API extract for {feed.format}; via api is for {', '.join(API_FORMATS)}"
        )
    if feed.path is not None:
        raise SourcesConfigError(f"{where}: a feed via api reads no files; remove path")
    takes = API_FORMATS[feed.format]
    given = [name for name in ("account", "shop") if getattr(feed, name) and name != takes]
    if given:
        raise SourcesConfigError(f"{where}: {given[0]} is not for {feed.format}")
