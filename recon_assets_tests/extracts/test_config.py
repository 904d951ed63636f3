"""Issue 14, point 2: rules/sources.yaml says per feed whether it comes from files or an API;
with every feed via files (as shipped) there is no extract and no credential is asked for."""

from __future__ import annotations

import pytest

from recon_assets.adapters.config import SourcesConfigError, load_sources
from recon_assets.definitions import build_definitions
from recon_assets.extracts.assets import api_feeds
from recon_assets.resources import build_resources
from recon_assets.settings import Settings
from recon_assets_tests.extracts.conftest import sources_file


def test_an_api_feed_takes_no_path_and_its_account(tmp_path):
    (feed,) = load_sources(
        sources_file(
            tmp_path,
            "feeds:\n  - format: stripe-balance-change\n    via: api\n    account: acct_1Pb\n",
        )
    )
    assert (feed.via, feed.path, feed.account, feed.files(tmp_path)) == (
        "api",
        None,
        "acct_1Pb",
        [],
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "format: shopify-orders\n    via: api\n    path: x.csv",
            "line 2: a feed via api reads no files",
        ),
        ("format: shopify-orders", "line 2: path is required for a feed via files"),
        ("format: paypal-stl\n    via: api", "line 2: no API extract for paypal-stl"),
        ("format: shopify-orders\n    via: api\n    account: acct_1", "account is not for shopify"),
        (
            "format: xero-gl\n    path: x.csv\n    shop: a",
            "account and shop are only for a feed via api",
        ),
        ("format: stripe-payouts\n    via: ftp", "via"),
    ],
)
def test_a_wrong_feed_is_refused_with_its_line(tmp_path, entry, message):
    with pytest.raises(SourcesConfigError, match=message):
        load_sources(sources_file(tmp_path, f"feeds:\n  - {entry}\n"))


def test_one_api_feed_per_format(tmp_path):
    feed = "  - format: shopify-orders\n    via: api\n"
    with pytest.raises(SourcesConfigError, match="line 4: a second shopify-orders feed via api"):
        api_feeds(load_sources(sources_file(tmp_path, "feeds:\n" + feed + feed)))


def test_the_shipped_feeds_are_files_so_there_is_no_extract_and_no_credential(settings):
    defs = build_definitions(Settings.from_env())
    groups = {g for a in defs.assets for g in a.group_names_by_key.values()}
    assert "extracts" not in groups
    assert [j.name for j in defs.jobs] == ["nightly_reconciliation"]
    assert not {"stripe_api", "shopify_api"} & set(build_resources(Settings.from_env()))
