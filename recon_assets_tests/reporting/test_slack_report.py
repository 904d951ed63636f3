"""exception_report and slack_report through real Dagster runs on a real temporary DuckDB,
posting with the real slack-sdk client to a Slack Web API stand-in on loopback."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import time
from datetime import date, timedelta

import dagster as dg
from werkzeug import Response

from recon_assets.partitions import build_daily_partitions
from recon_assets.reporting.assets import EXCEPTION_REPORT, SLACK_REPORT, build_reporting_assets
from recon_assets.reporting.slack import SlackResource
from recon_assets.reporting.slack_text import MAX_BLOCKS, MAX_SECTION_CHARS
from recon_assets.resources import build_resources
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.tags import BACKFILL_TAG, REPOST_TAG
from recon_assets.warehouse_duckdb import DuckDBWarehouse
from recon_assets_tests.reporting.conftest import (
    CHANNEL_ID,
    FIRST_NIGHT,
    INJECTED_ORDER,
    SECOND_NIGHT,
    TOKEN,
    materialize_reports,
    metadata_of,
)


def _report_file(settings, night: str) -> str:
    return (settings.reports_dir / f"{night}.md").read_text(encoding="utf-8")


def _all_text(call) -> str:
    return json.dumps(call.body, ensure_ascii=False)


def _sections(call) -> list[str]:
    return [b["text"]["text"] for b in call.body["blocks"] if b["type"] == "section"]


def test_clean_night_posts_one_line(settings, use_db, clean_then_missing_db, instance, slack):
    use_db(clean_then_missing_db)
    result = materialize_reports(instance, FIRST_NIGHT)
    assert result.success
    report = metadata_of(result, EXCEPTION_REPORT)
    assert report["clean"] is True
    markdown = _report_file(settings, FIRST_NIGHT)
    assert markdown == report["report"]
    assert markdown.count("\n") == 1 and markdown.startswith(
        f"Reconciliation for {FIRST_NIGHT} is clean: "
    )
    assert "across 7 systems" in markdown and "timing item" in markdown
    [post] = slack.posts
    assert post.authorization == f"Bearer {TOKEN}"
    assert post.body["channel"] == "#finance-recon"
    assert len(post.body["blocks"]) == 1 and post.body["text"] == markdown.strip()
    posted = metadata_of(result, SLACK_REPORT)
    assert posted["posted"] is True and posted["channel"] == CHANNEL_ID
    assert posted["ts"] == "1774000000.000000"
    stored = DuckDBWarehouse(database=str(settings.duckdb_path)).query(
        "SELECT channel, ts FROM slack_posts"
    )
    assert stored.to_dict("records") == [{"channel": CHANNEL_ID, "ts": posted["ts"]}]


def test_missing_source_is_never_clean(settings, use_db, clean_then_missing_db, instance, slack):
    use_db(clean_then_missing_db)
    result = materialize_reports(instance, SECOND_NIGHT)
    assert result.success
    assert metadata_of(result, EXCEPTION_REPORT)["missing_sources"] == "shipments"
    markdown = _report_file(settings, SECOND_NIGHT)
    assert "is not clean: 1 source did not deliver" in markdown
    assert f"No file from 3PL (shipments) for {SECOND_NIGHT}" in markdown
    [post] = slack.posts
    assert f"No file from 3PL (shipments) for {SECOND_NIGHT}" in _all_text(post)


def test_exceptions_night_lists_breaks_largest_first_with_owner_and_age(
    settings, use_db, exceptions_db, instance, slack
):
    use_db(exceptions_db)
    result = materialize_reports(instance, SECOND_NIGHT)
    assert result.success
    report = metadata_of(result, EXCEPTION_REPORT)
    assert report["clean"] is False and report["needs_a_person"] >= 3
    markdown = _report_file(settings, SECOND_NIGHT)
    assert "Open breaks: " in markdown and "new tonight" in markdown
    assert "carried over" in markdown
    warehouse = DuckDBWarehouse(database=str(settings.duckdb_path))
    needing = warehouse.query(
        "SELECT break_id, owner, amount_minor, currency FROM classified_variances "
        "WHERE recon_date = $d AND class IN ('genuine_error', 'mapping')",
        {"d": SECOND_NIGHT},
    )
    for row in needing.itertuples():
        assert row.break_id in markdown and f"Owner: {row.owner}." in markdown
    for currency, group in needing.groupby("currency"):
        listed = group.assign(at=[markdown.index(b) for b in group["break_id"]])
        assert listed.sort_values("at")["amount_minor"].is_monotonic_decreasing, currency
    [post] = slack.posts
    assert post.body["text"].startswith(f"Reconciliation for {SECOND_NIGHT} is not clean")
    assert all(len(s) <= MAX_SECTION_CHARS for s in _sections(post))
    # The token travels in the Authorization header only, never into Dagster's records.
    events = instance.get_records_for_run(result.run_id).records
    assert not [r for r in events if TOKEN in str(r.event_log_entry)]


def test_injected_markup_can_never_ping_or_link(settings, use_db, exceptions_db, instance, slack):
    use_db(exceptions_db)
    assert materialize_reports(instance, SECOND_NIGHT).success
    [post] = slack.posts
    text = "\n".join([post.body["text"], *_sections(post)])
    assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co" in text
    for raw in ("<!channel>", "<https://", "& co"):
        assert raw not in text
    markdown = _report_file(settings, SECOND_NIGHT)
    assert "<!channel>" not in markdown and r"\<!channel\>" in markdown
    assert INJECTED_ORDER not in json.dumps(post.body)


def test_rate_limit_is_retried_after_the_time_slack_asks(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    limited = json.dumps({"ok": False, "error": "ratelimited"})
    slack.plan.append(Response(limited, status=429, headers={"Retry-After": "1"}))
    result = materialize_reports(instance, FIRST_NIGHT)
    assert result.success
    first, second = slack.posts
    assert second.at - first.at >= 1.0
    assert first.body == second.body
    assert metadata_of(result, SLACK_REPORT)["posted"] is True


def test_slack_down_fails_the_run_and_keeps_the_report(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    slack.fail_every_post = Response("upstream connect error", status=500)
    patient = SlackResource(
        channel="#finance-recon",
        token=dg.EnvVar("SLACK_BOT_TOKEN"),
        base_url=slack.base_url,
        max_retries=2,
        backoff_factor=0.01,
    )
    result = materialize_reports(instance, FIRST_NIGHT, resources={"slack": patient})
    assert not result.success
    assert len(slack.posts) == 3  # the first try and two retries
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_key == SLACK_REPORT
    assert "report is kept at" in failure.event_specific_data.error.message
    assert _report_file(settings, FIRST_NIGHT).startswith("Reconciliation for")
    warehouse = DuckDBWarehouse(database=str(settings.duckdb_path))
    assert len(warehouse.query("SELECT * FROM report_history")) == 1
    assert warehouse.query("SELECT * FROM slack_posts").empty


def test_a_night_too_long_for_one_message_threads_the_rest_and_attaches_a_csv(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    DuckDBWarehouse(database=str(settings.duckdb_path)).query(
        "INSERT INTO classified_variances SELECT DATE '2026-03-20', "
        "printf('brk_%016d', i), 'sale_vs_oms', CAST(90000 + i AS VARCHAR), 'genuine_error', "
        "'amount_differs', printf('Order %d: order management is GBP %d.00 more than the sale.', "
        "90000 + i, i + 1), 'ecommerce-ops', DATE '2026-03-19', 1, (i + 1) * 100, 'GBP', '[]', "
        "NULL, NULL FROM range(200) AS t(i) RETURNING break_id"
    )
    result = materialize_reports(instance, FIRST_NIGHT)
    assert result.success
    main, *thread = slack.posts
    assert thread and all(p.body["thread_ts"] == "1774000000.000000" for p in thread)
    for post in slack.posts:
        assert len(post.body["blocks"]) <= MAX_BLOCKS
        assert all(len(s) <= MAX_SECTION_CHARS for s in _sections(post))
    shown = "\n".join(s for p in slack.posts for s in _sections(p))
    assert all(f"brk_{i:016d}" in shown for i in range(200))
    assert shown.index("brk_0000000000000199") < shown.index("brk_0000000000000000")
    assert "185 more breaks in the thread" in _all_text(main)
    [asked] = slack.of("files.getUploadURLExternal")
    assert asked.body["filename"] == f"recon-{FIRST_NIGHT}-open-breaks.csv"
    [upload] = slack.of("F0CSV")
    rows = list(csv.DictReader(io.StringIO(upload.raw.decode())))
    assert sum(r["class"] == "genuine_error" for r in rows) == 200
    [complete] = slack.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == CHANNEL_ID
    assert complete.body["thread_ts"] == "1774000000.000000"
    assert metadata_of(result, SLACK_REPORT)["file_id"] == "F0CSV"


def test_rematerialising_does_not_post_again_unless_asked(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    assert materialize_reports(instance, FIRST_NIGHT).success
    again = materialize_reports(instance, FIRST_NIGHT)
    assert again.success and len(slack.posts) == 1
    skipped = metadata_of(again, SLACK_REPORT)
    assert skipped["posted"] is False and "already posted" in skipped["reason"]
    assert skipped["ts"] == "1774000000.000000"
    by_tag = materialize_reports(instance, FIRST_NIGHT, tags={REPOST_TAG: "true"})
    assert metadata_of(by_tag, SLACK_REPORT)["reposted"] is True
    by_config = {"ops": {SLACK_REPORT: {"config": {"repost": True}}}}
    assert materialize_reports(instance, FIRST_NIGHT, run_config=by_config).success
    assert len(slack.posts) == 3
    # Every run's report stays recoverable, byte for byte the same for the same inputs.
    history = DuckDBWarehouse(database=str(settings.duckdb_path)).query(
        "SELECT run_id, digest FROM report_history"
    )
    assert history["run_id"].nunique() == 4 and history["digest"].nunique() == 1


def test_backfill_never_posts(settings, use_db, clean_then_missing_db, instance, slack):
    use_db(clean_then_missing_db)
    result = materialize_reports(instance, FIRST_NIGHT, tags={BACKFILL_TAG: "true"})
    assert result.success and slack.calls == []
    assert "Backfill" in metadata_of(result, SLACK_REPORT)["reason"]
    assert _report_file(settings, FIRST_NIGHT)


def test_without_a_token_slack_is_off_and_the_run_succeeds(
    settings, use_db, clean_then_missing_db, instance, httpserver
):
    use_db(clean_then_missing_db)
    result = materialize_reports(instance, FIRST_NIGHT)
    assert result.success and httpserver.log == []
    assert "Slack is off" in metadata_of(result, SLACK_REPORT)["reason"]
    assert metadata_of(result, EXCEPTION_REPORT)["report"] == _report_file(settings, FIRST_NIGHT)


def test_a_check_that_failed_in_the_run_makes_the_night_not_clean(
    settings, use_db, clean_then_missing_db, instance
):
    use_db(clean_then_missing_db)
    partitions = build_daily_partitions(dataclasses.replace(settings, start_date=FIRST_NIGHT))

    # Upstream of the report, as in a real run: the check result comes with its asset.
    @dg.asset(
        name="classified_variances",
        partitions_def=partitions,
        check_specs=[dg.AssetCheckSpec("break_ids_are_unique", asset="classified_variances")],
    )
    def upstream() -> dg.MaterializeResult:
        failed = dg.AssetCheckResult(check_name="break_ids_are_unique", passed=False)
        return dg.MaterializeResult(check_results=[failed])

    result = dg.materialize(
        [upstream, *build_reporting_assets(partitions, settings.warehouse)],
        partition_key=FIRST_NIGHT,
        resources=build_resources(Settings.from_env()),
        instance=instance,
    )
    report = metadata_of(result, EXCEPTION_REPORT)
    assert report["clean"] is False
    assert report["failed_checks"] == "classified_variances.break_ids_are_unique"
    assert "Check break_ids_are_unique on classified_variances failed in this run." in (
        _report_file(settings, FIRST_NIGHT)
    )


def test_report_mentions_accepted_rules_about_to_expire(
    settings, use_db, clean_then_missing_db, instance, monkeypatch, tmp_path
):
    rules_dir = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules_dir)
    (rules_dir / "accepted" / "oms-lag.yaml").write_text(
        "rules:\n"
        "  - id: oms-lag\n"
        "    reason: the OMS export runs late on Sundays\n"
        "    owner: ecommerce-ops\n"
        "    check: sale_vs_oms\n"
        "    currency: GBP\n"
        "    amount_minor: {max: 5000}\n"
        f"    expires: {date.fromisoformat(FIRST_NIGHT) + timedelta(days=3)}\n"
    )
    monkeypatch.setenv("RECON_RULES_DIR", str(rules_dir))
    use_db(clean_then_missing_db)
    result = materialize_reports(instance, FIRST_NIGHT)
    expires = date.fromisoformat(FIRST_NIGHT) + timedelta(days=3)
    assert metadata_of(result, EXCEPTION_REPORT)["report"].endswith(
        f"Accepted rules expiring soon: oms-lag on {expires}.\n"
    )


def _slack_failure(result: dg.ExecuteInJobResult) -> str:
    """The failed slack_report step as Dagster's run record keeps it, causes included."""
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failure.step_key == SLACK_REPORT
    return failure.event_specific_data.error.to_string()


def test_a_retry_after_beyond_the_cap_fails_at_once_and_keeps_the_report(
    settings, use_db, clean_then_missing_db, instance, slack, monkeypatch
):
    use_db(clean_then_missing_db)
    monkeypatch.setenv("RECON_SLACK_MAX_RETRY_AFTER", "5")
    limited = json.dumps({"ok": False, "error": "ratelimited"})
    slack.plan.append(Response(limited, status=429, headers={"Retry-After": "100"}))
    started = time.monotonic()
    result = materialize_reports(instance, FIRST_NIGHT)
    assert time.monotonic() - started < 30 and not result.success
    assert len(slack.posts) == 1
    assert (
        "Slack did not take the report for 2026-03-20 after retries: rate limited: Slack asked "
        "to wait 100 s, more than the 5 s allowed (RECON_SLACK_MAX_RETRY_AFTER). The report is "
        "kept at"
    ) in _slack_failure(result)
    assert _report_file(settings, FIRST_NIGHT).startswith("Reconciliation for")


def test_a_token_slack_echoes_in_an_error_is_never_stored(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    echoed = {"ok": False, "error": "invalid_auth", "detail": f"token {TOKEN} xoxp-other-1"}
    slack.fail_every_post = Response(json.dumps(echoed), content_type="application/json")
    result = materialize_reports(instance, FIRST_NIGHT)
    recorded = _slack_failure(result)
    assert "invalid_auth" in recorded and "token [redacted] [redacted]" in recorded
    assert TOKEN not in recorded and "xoxp-other-1" not in recorded
    logs = instance.all_logs(result.run_id)
    assert not any(TOKEN in (e.user_message or "") for e in logs)


def test_a_thread_left_incomplete_is_completed_by_the_next_run_not_posted_again(
    settings, use_db, clean_then_missing_db, instance, slack
):
    use_db(clean_then_missing_db)
    warehouse = DuckDBWarehouse(database=str(settings.duckdb_path))
    warehouse.query(
        "INSERT INTO classified_variances SELECT DATE '2026-03-20', "
        "printf('brk_%016d', i), 'sale_vs_oms', CAST(90000 + i AS VARCHAR), 'genuine_error', "
        "'amount_differs', printf('Order %d: order management is GBP %d.00 more than the sale.', "
        "90000 + i, i + 1), 'ecommerce-ops', DATE '2026-03-19', 1, (i + 1) * 100, 'GBP', '[]', "
        "NULL, NULL FROM range(200) AS t(i) RETURNING break_id"
    )
    main_ts = "1774000000.000000"
    slack.plan += [
        Response(json.dumps({"ok": True, "channel": CHANNEL_ID, "ts": main_ts})),
        Response(json.dumps({"ok": False, "error": "msg_too_long"})),
    ]
    first = materialize_reports(instance, FIRST_NIGHT)
    assert not first.success and "The next run completes it" in _slack_failure(first)
    assert not slack.of("files.getUploadURLExternal")

    second = materialize_reports(instance, FIRST_NIGHT)
    assert second.success
    main, failed, *replies = slack.posts
    assert "thread_ts" not in main.body and failed.body["thread_ts"] == main_ts
    assert replies and all(r.body["thread_ts"] == main_ts for r in replies)
    assert replies[0].body["blocks"] == failed.body["blocks"]
    [complete] = slack.of("files.completeUploadExternal")
    assert complete.body["thread_ts"] == main_ts
    completed = metadata_of(second, SLACK_REPORT)
    assert completed["thread_completed"] is True
    assert (completed["ts"], completed["thread_replies"]) == (main_ts, len(replies))

    third = materialize_reports(instance, FIRST_NIGHT)
    assert "already posted" in metadata_of(third, SLACK_REPORT)["reason"]
    assert len(slack.posts) == 2 + len(replies)
