"""Issue 14: Stripe's balance transactions pulled through the official SDK from a loopback
server that pages like Stripe, landed exactly as the downloaded itemised report lands."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from recon_assets.adapters import convert
from recon_assets.extracts.stripe_api import StripeResource
from recon_assets_tests.extracts.conftest import (
    failure_of,
    landing_bytes,
    run_extract,
    sources_file,
)
from recon_assets_tests.extracts.fakes import STRIPE_KEY, STRIPE_SAMPLE, Answer, FakeStripe

FEED = """\
feeds:
  - format: stripe-balance-change
    via: api
    processor: stripe
    order_key: metadata.Product ID
"""
PROCESSOR = ("processor_transactions", "processor_settlements")


def stripe_api(httpserver, **kwargs) -> dict:
    base = httpserver.url_for("/").rstrip("/")
    return {"stripe_api": StripeResource(api_key=STRIPE_KEY, base_url=base, **kwargs)}


@pytest.mark.parametrize(
    "night",
    [
        "2024-05-04",  # 13 charges: a page each
        "2024-05-10",  # a payout arrives with the 19 lines of its own and older nights
        "2024-11-05",  # two refunds of charges of other nights (fetched for their metadata)
    ],
)
def test_a_night_lands_what_the_downloaded_report_lands(
    sample_settings, tmp_path, httpserver, night
):
    fake = FakeStripe.from_sample(httpserver, page_size=1)
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), stripe_api(httpserver), night
    )
    assert result.success

    files = tmp_path / "from_report"
    convert(
        "stripe-balance-change",
        STRIPE_SAMPLE,
        files,
        "Europe/London",
        "stripe",
        order_key="metadata.Product ID",
    )
    landing = sample_settings.landing_dir
    for source in PROCESSOR:
        pulled = (landing / source / f"{night}.csv").read_text()
        report = files / source / f"{night}.csv"
        assert pulled == (report.read_text() if report.exists() else pulled.splitlines()[0] + "\n")
    assert sum((landing / s / f"{night}.csv").read_text().count("\n") for s in PROCESSOR) > 2
    pages = gzip.decompress(
        (landing / "raw/stripe_balance_transactions" / f"{night}.jsonl.gz").read_bytes()
    )
    requests = [json.loads(line)["request"] for line in pages.decode().splitlines()]
    assert all("rk_" not in r for r in requests)
    assert any("created[gte]" in r for r in requests) and any("payouts" in r for r in requests)
    assert any("starting_after" in r for r in fake.requests)


def test_re_extraction_gives_the_same_bytes(sample_settings, tmp_path, httpserver):
    FakeStripe.from_sample(httpserver)
    sources = sources_file(tmp_path, FEED)
    landing = sample_settings.landing_dir
    assert run_extract(sample_settings, sources, stripe_api(httpserver), "2024-05-10").success
    first = landing_bytes(landing)
    time.sleep(1.1)  # a wall clock in a gzip header would now differ
    assert run_extract(sample_settings, sources, stripe_api(httpserver), "2024-05-10").success
    assert landing_bytes(landing) == first
    raw = first["raw/stripe_balance_transactions/2024-05-10.jsonl.gz"]
    assert raw[4:8] == b"\0\0\0\0"  # gzip mtime 0


def test_a_night_without_activity_is_delivered_header_only(sample_settings, tmp_path, httpserver):
    FakeStripe.from_sample(httpserver)
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), stripe_api(httpserver), "2024-06-01"
    )
    assert result.success
    for source in PROCESSOR:
        text = (sample_settings.landing_dir / source / "2024-06-01.csv").read_text()
        assert text.count("\n") == 1 and text.startswith(("psp_reference,", "settlement_line_id,"))


def test_a_429_waits_as_retry_after_says_then_goes_on(sample_settings, tmp_path, httpserver):
    fake = FakeStripe.from_sample(httpserver)
    fake.script = [Answer(429, {"error": {"message": "Too many requests"}}, {"Retry-After": "1"})]
    started = time.monotonic()
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), stripe_api(httpserver), "2024-05-04"
    )
    assert result.success
    assert time.monotonic() - started >= 1.0
    assert fake.requests[0] == fake.requests[1]  # the refused page, asked again
    assert (sample_settings.landing_dir / "processor_transactions/2024-05-04.csv").exists()


def test_a_429_asking_for_longer_than_the_cap_fails_in_one_line(
    sample_settings, tmp_path, httpserver
):
    fake = FakeStripe.from_sample(httpserver)
    fake.script = [Answer(429, {"error": {"message": "slow down"}}, {"Retry-After": "3600"})]
    result = run_extract(
        sample_settings, sources_file(tmp_path, FEED), stripe_api(httpserver), "2024-05-04"
    )
    assert not result.success
    assert "Stripe kept rate-limiting the extract of 2024-05-04" in failure_of(result)
    assert len(fake.requests) == 1


def test_a_500_storm_fails_the_extract_in_one_line_and_lands_nothing(
    sample_settings, tmp_path, httpserver
):
    fake = FakeStripe.from_sample(httpserver)
    fake.script = [Answer(500, {"error": {"message": "An unknown error occurred"}})] * 10
    result = run_extract(
        sample_settings,
        sources_file(tmp_path, FEED),
        stripe_api(httpserver, max_retries=2),
        "2024-05-04",
    )
    assert not result.success
    message = failure_of(result)
    assert "Stripe did not deliver 2024-05-04: HTTP 500 after 3 attempts" in message
    assert len(message.splitlines()) == 1
    assert len(fake.requests) == 3
    assert not (sample_settings.landing_dir / "processor_transactions").exists()


def test_an_expired_key_is_one_line_naming_the_variable_never_the_key(
    sample_settings, tmp_path, httpserver
):
    FakeStripe.from_sample(httpserver)
    base = httpserver.url_for("/").rstrip("/")
    wrong = "rk_live_expired0000000000000000wxyz"
    result = run_extract(
        sample_settings,
        sources_file(tmp_path, FEED),
        {"stripe_api": StripeResource(api_key=wrong, base_url=base)},
        "2024-05-04",
    )
    message = failure_of(result)
    assert "Stripe rejected STRIPE_API_KEY: Expired API Key provided: rk_test_****abcd" in message
    assert len(message.splitlines()) == 1
    # every event of the run, its metadata and errors included
    logged = " ".join(repr(e) for e in result.all_events)
    assert wrong not in logged and wrong[8:] not in logged
