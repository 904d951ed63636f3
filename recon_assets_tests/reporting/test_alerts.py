"""Alerting: the run-failure sensor and the 07:00 deadline sensor post to the Slack stand-in."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.test_utils import freeze_time

from recon_assets.adapters.config import load_sources
from recon_assets.definitions import build_assets, build_definitions
from recon_assets.extracts.assets import EXTRACTS, build_extract_assets
from recon_assets.extracts.stripe_api import StripeResource
from recon_assets.generator import generate
from recon_assets.partitions import build_daily_partitions
from recon_assets.reporting.assets import EXCEPTION_REPORT
from recon_assets.reporting.sensors import (
    EXTRACT_VENDORS,
    FAILURE_ALERT_SENSOR,
    REPORT_DEADLINE_ALERT,
    extract_failure_text,
    failure_text,
    missed_deadline_text,
    night_due,
    reconciliation_failure_alert,
)
from recon_assets.reporting.slack import SlackResource
from recon_assets.resources import build_resources, slack_resource
from recon_assets.settings import Settings
from recon_assets.sources.resource import LandingSource
from recon_assets_tests.conftest import write_landing
from recon_assets_tests.extracts.fakes import STRIPE_KEY, Answer, FakeStripe
from recon_assets_tests.reporting.conftest import FIRST_NIGHT, TOKEN

LONDON = ZoneInfo("Europe/London")
DEFS = build_definitions(Settings.from_env())


def _failed_run(settings: Settings, instance: dg.DagsterInstance) -> dg.ExecuteInJobResult:
    """A night whose storefront file carries a decimal amount: the source asset rejects it."""
    bad = {
        "event_id": "e1",
        "order_id": "<!channel>",
        "event_type": "order",
        "event_ts": "2026-03-20T10:00:00+00:00",
        "currency": "GBP",
        "amount_minor": "12.50",
        "units": 1,
        "payment_method": "card",
    }
    write_landing(settings.landing_dir, "storefront_orders", FIRST_NIGHT, [bad])
    first = dataclasses.replace(settings, start_date=FIRST_NIGHT)
    storefront = build_definitions(first).get_assets_def("storefront_orders")
    result = dg.materialize(
        [storefront],
        partition_key=FIRST_NIGHT,
        resources=build_resources(settings),
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    return result


def _evaluate(result, instance, slack_resource: SlackResource) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name=FAILURE_ALERT_SENSOR,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"slack": slack_resource},
    ).for_run_failure()
    reconciliation_failure_alert(context)


def test_a_failed_run_posts_which_night_which_step_and_a_link(settings, instance, slack):
    result = _failed_run(settings, instance)
    _evaluate(result, instance, slack_resource(Settings.from_env()))
    [post] = slack.posts
    assert post.authorization == f"Bearer {TOKEN}"
    text = post.body["text"]
    assert text.startswith(
        f"The reconciliation for {FIRST_NIGHT} failed at storefront_orders: storefront_orders "
        f"for {FIRST_NIGHT} was rejected"
    )
    assert text.endswith(f"<http://dagster.example/runs/{result.run_id}|Open the run in Dagster>")


def test_a_failed_extract_says_which_vendor_did_not_deliver_not_a_failed_reconciliation(
    settings, instance, slack, httpserver, tmp_path
):
    """Stripe's API (loopback) answers 500 to every call: the extract fails, and the alert
    says the Stripe extract failed and what the night will report."""
    stripe = FakeStripe(httpserver)
    stripe.script = [Answer(500, {"error": {"message": "An unknown error occurred"}})] * 5
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "feeds:\n  - format: stripe-balance-change\n    via: api\n    processor: stripe\n",
        encoding="utf-8",
    )
    first = dataclasses.replace(settings, start_date=FIRST_NIGHT)
    result = dg.materialize(
        build_extract_assets(load_sources(sources), build_daily_partitions(first)),
        partition_key=FIRST_NIGHT,
        resources={
            "landing": LandingSource(
                landing_dir=str(settings.landing_dir), rules_dir=str(settings.rules_dir)
            ),
            "stripe_api": StripeResource(
                api_key=STRIPE_KEY, base_url=httpserver.url_for("/").rstrip("/"), max_retries=0
            ),
        },
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    _evaluate(result, instance, slack_resource(Settings.from_env()))
    [post] = slack.posts
    text = post.body["text"]
    assert text.startswith(
        f"The Stripe extract for {FIRST_NIGHT} failed: Stripe did not deliver {FIRST_NIGHT}: "
        "HTTP 500 after 1 attempts"
    ), text
    assert "; the night will report the source as not delivered unless the extract" in text
    assert "reconciliation for" not in text and "failed at" not in text
    assert STRIPE_KEY not in text
    assert text.endswith(f"<http://dagster.example/runs/{result.run_id}|Open the run in Dagster>")


def test_extract_failure_text_names_the_vendor_and_a_backfill_range():
    assert {e.asset: e.kind for e in EXTRACTS.values()} == {
        asset: vendor.lower() for asset, vendor in EXTRACT_VENDORS.items()
    }
    text = extract_failure_text("2026-03-20 to 2026-03-23", "shopify_orders", "<!here>", "u")
    assert text == (
        "The Shopify extract for 2026-03-20 to 2026-03-23 failed: &lt;!here&gt;; each night "
        "will report the source as not delivered unless the extract is run again before its "
        "reconciliation. <u|Open the run in Dagster>"
    )


def test_without_slack_the_failure_alert_only_logs(settings, instance, slack, monkeypatch, capfd):
    # Everything but the token is configured and pointed at the stand-in: still no post.
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    result = _failed_run(settings, instance)
    _evaluate(result, instance, slack_resource(Settings.from_env()))
    assert slack.posts == []
    logged = capfd.readouterr().err
    assert "Slack is off (SLACK_BOT_TOKEN is not set); not posted: The reconciliation for" in logged


def test_failure_text_escapes_the_error_and_keeps_only_its_own_link():
    text = failure_text("2026-03-20", "matched_ledger", "bad key <!here> & <https://x|y>", "u")
    assert text == (
        "The reconciliation for 2026-03-20 failed at matched_ledger: bad key &lt;!here&gt; "
        "&amp; &lt;https://x|y&gt; <u|Open the run in Dagster>"
    )
    assert failure_text(None, "s", "x" * 2000, "u").count("x") == 499


def test_failure_text_never_carries_a_token(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    text = failure_text("2026-03-20", "slack_report", f"invalid_auth for {TOKEN}", "u")
    assert TOKEN not in text and "invalid_auth for [redacted]" in text


def _deadline_tick(instance: dg.DagsterInstance, now: str, cursor: str | None):
    sensor = DEFS.resolve_sensor_def(REPORT_DEADLINE_ALERT)
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"slack": slack_resource(Settings.from_env())},
    )
    with freeze_time(datetime.fromisoformat(now).replace(tzinfo=LONDON)):
        return sensor(context)


@pytest.mark.parametrize(
    ("now", "late"),
    [
        ("2026-04-02T07:30", None),  # the deadline for 2026-04-01 has passed, it exists
        ("2026-04-03T06:59", None),  # 2026-04-02 is not due until 07:00
        ("2026-04-03T07:01", "2026-04-02"),  # 2026-04-02 is overdue
    ],
)
def test_a_report_missing_at_seven_local_posts_once_and_shows_on_the_night(now, late, slack):
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        dg.AssetMaterialization(EXCEPTION_REPORT, partition="2026-04-01")
    )
    result = _deadline_tick(instance, now, cursor=None)
    if late is None:
        assert slack.posts == [] and isinstance(result, dg.SkipReason)
        return
    text = f"No reconciliation report for {late} by 07:00."
    [post] = slack.posts
    assert post.body["text"] == text
    assert result.cursor == late and result.skip_reason.skip_message == text
    [seen] = result.asset_events
    assert (seen.asset_key, seen.partition, seen.description) == (
        dg.AssetKey(EXCEPTION_REPORT),
        late,
        text,
    )
    # The next tick, five minutes on, remembers the night it alerted about: no second post.
    again = _deadline_tick(instance, now.replace(":01", ":06"), cursor=result.cursor)
    assert len(slack.posts) == 1 and isinstance(again, dg.SkipReason)


def test_alerting_is_wired_into_the_code_location():
    repo = DEFS.get_repository_def()
    assert repo.has_sensor_def(FAILURE_ALERT_SENSOR)
    assert repo.has_sensor_def(REPORT_DEADLINE_ALERT)
    # No check reads the wall clock: every one is evaluated for the night it checks.
    graph = repo.asset_graph
    assert all(graph.get_check_spec(key).partitions_def for key in graph.asset_check_keys)


def test_a_night_without_its_history_alerts_with_the_missing_night(settings, instance, slack):
    """As the schedule would run it: the night before was never reconciled."""
    night = "2026-03-21"  # FIRST_NIGHT is the retailer's first night, never reconciled here
    generate(settings.landing_dir, date.fromisoformat(FIRST_NIGHT), 2, 3, seed=1, breaks={})
    result = dg.materialize(
        build_assets(Settings.from_env()),
        partition_key=night,
        resources=build_resources(Settings.from_env()),
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    _evaluate(result, instance, slack_resource(Settings.from_env()))
    [post] = slack.posts
    assert post.body["text"].startswith(
        f"The reconciliation for {night} failed at matched_ledger.history_is_complete: "
        f"{FIRST_NIGHT} was not reconciled, so {night} cannot see its history"
    )


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-04-03T06:59", "2026-04-01"),  # 2026-04-02 is not due until 07:00
        ("2026-04-03T07:00", "2026-04-02"),
        ("2026-03-21T07:00", None),  # 2026-03-20 is before the first night
    ],
)
def test_the_late_report_alert_names_the_night_due(now, due):
    first = date(2026, 3, 21)
    found = night_due(datetime.fromisoformat(now), first)
    assert (found.isoformat() if found else None) == due
    if found:
        assert missed_deadline_text(found) == f"No reconciliation report for {due} by 07:00."
