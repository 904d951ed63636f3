"""The reporting group: exception_report (the night in plain language) and slack_report."""

import dataclasses
from datetime import date, timedelta
from typing import Any

import dagster as dg
from slack_sdk.errors import SlackClientError

from recon_assets.audit.expiry import rules_expiring
from recon_assets.checks import DELIVERED
from recon_assets.history import NightCalendar
from recon_assets.legs import GENUINE_ERROR
from recon_assets.partitions import SINGLE_RUN, each_night
from recon_assets.redact import redact_error
from recon_assets.reporting.facts import FailedCheck, NightFacts, gather_facts
from recon_assets.reporting.narrative import RenderedReport, build_narrative, render
from recon_assets.reporting.narrator import NarratorResource, narrate
from recon_assets.reporting.slack import (
    PartlyPosted,
    SlackNotConfigured,
    SlackResource,
    slack_error_text,
)
from recon_assets.reporting.slack_text import Posted
from recon_assets.reporting.store import (
    ReportFiles,
    keep_report,
    posted_report,
    previous_post,
    record_post,
    stored_report,
    thread_incomplete,
)
from recon_assets.rules import Rules
from recon_assets.rules_resource import RulesResource
from recon_assets.sql import statements
from recon_assets.staging import for_run, publish_if_last
from recon_assets.tags import BACKFILL_TAG, DAGSTER_BACKFILL_TAG, REPOST_TAG
from recon_assets.warehouse import Warehouse

REPORTING_GROUP = "reporting"
EXCEPTION_REPORT = "exception_report"
SLACK_REPORT = "slack_report"

# Check names. Both warn: a bad night turns yellow while the run that found it succeeds.
NIGHT_IS_CLEAN = "night_is_clean"
NO_NEW_GENUINE_ERRORS = "no_new_genuine_errors"

# Run tags: `recon/repost=true` posts a night again; Dagster tags every backfill's runs.


def failed_checks_in_run(context: dg.AssetExecutionContext, night: str) -> tuple[FailedCheck, ...]:
    """Checks of this night that failed earlier in this run. A source's `delivered` check is
    left out: the report names a missing source from source_deliveries, with its date."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return tuple(
        FailedCheck(e.asset_key.to_user_string(), e.check_name)
        for e in evaluations
        # A check without partitions vouches for the whole run, so for this night too.
        if not e.passed and e.check_name != DELIVERED and e.partition in (night, None)
    )


def owner_names(rules: Rules) -> frozenset[str]:
    """Every owner the rules can name: a narrator naming another one is caught."""
    per_check = {owner for owners in rules.owners.checks.values() for owner in owners.values()}
    return frozenset({rules.owners.default, *per_check, *(r.owner for r in rules.accepted)})


def new_genuine_errors(warehouse: Warehouse, facts: NightFacts) -> list[str]:
    """Tonight's genuine errors that were not genuine errors the night before."""
    (query,) = statements("reporting/genuine_errors_before")
    before = warehouse.query(
        query,
        {"d": date.fromisoformat(facts.recon_date) - timedelta(days=1), "cls": GENUINE_ERROR},
    )
    known = set(before["break_id"])
    return [b.break_id for b in facts.breaks if b.cls == GENUINE_ERROR and b.break_id not in known]


def night_checks(warehouse: Warehouse, facts: NightFacts) -> list[dg.AssetCheckResult]:
    why = [
        *(f"{s} not delivered" for s in facts.missing),
        *([] if facts.history_complete else ["the night before was not reconciled"]),
        *(f"{c.asset}.{c.check} failed" for c in facts.failed_checks),
        *([f"{len(facts.needs_a_person)} break(s) need a person"] if facts.needs_a_person else []),
    ]
    new = new_genuine_errors(warehouse, facts)
    return [
        dg.AssetCheckResult(
            check_name=NIGHT_IS_CLEAN,
            passed=facts.clean,
            severity=dg.AssetCheckSeverity.WARN,
            description="; ".join(why) or None,
            metadata={"needs_a_person": len(facts.needs_a_person)},
        ),
        dg.AssetCheckResult(
            check_name=NO_NEW_GENUINE_ERRORS,
            passed=not new,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{len(new)} new genuine error(s) tonight" if new else None,
            metadata={"new_genuine_errors": len(new)},
        ),
    ]


def build_exception_report(
    partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> dg.AssetsDefinition:
    @dg.asset(
        name=EXCEPTION_REPORT,
        group_name=REPORTING_GROUP,
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        kinds={warehouse_kind, "markdown"},
        deps=[dg.AssetDep("matched_ledger"), dg.AssetDep("classified_variances")],
        check_specs=[
            dg.AssetCheckSpec(
                NIGHT_IS_CLEAN,
                asset=EXCEPTION_REPORT,
                description="Every source delivered, the night before was reconciled and no "
                "genuine error or mapping break is open.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                NO_NEW_GENUINE_ERRORS,
                asset=EXCEPTION_REPORT,
                description="No break became a genuine error tonight.",
                partitions_def=partitions_def,
            ),
        ],
    )
    def exception_report(
        context: dg.AssetExecutionContext,
        warehouse: dg.ResourceParam[Warehouse],
        report_files: dg.ResourceParam[ReportFiles],
        rules: RulesResource,
        calendar: dg.ResourceParam[NightCalendar],
        narrator: NarratorResource,
    ):
        """The night in plain language: clean in one line, or the breaks that need a person."""
        staged = for_run(warehouse, context)
        reports: list[RenderedReport] = []

        def publish(results: list[dg.MaterializeResult]) -> None:
            publish_if_last(staged, context, results)
            # Files are not transactional: written once the nights they describe are stored.
            for report in reports:
                report_files.write(report)

        yield from each_night(
            context,
            lambda night: [
                report_night(
                    context, staged, reports, rules, calendar, narrator, night, report_files
                )
            ],
            finish=publish,
        )

    return exception_report


def report_night(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    reports: list[RenderedReport],
    rules: RulesResource,
    calendar: NightCalendar,
    narrator_resource: NarratorResource,
    night: str,
    report_files: ReportFiles,
) -> dg.MaterializeResult:
    """Builds and keeps one night's report (added to `reports`, filed once published)."""
    recon_date = date.fromisoformat(night)
    loaded = rules.load()
    expiring = tuple((r.id, str(r.expires)) for r in rules_expiring(loaded, recon_date, days=7))
    facts = gather_facts(
        warehouse,
        recon_date,
        failed_checks_in_run(context, night),
        first_night=calendar.first,
        next_steps=loaded.next_steps,
        scope=loaded.scope,
    )
    facts = dataclasses.replace(facts, expiring_rules=expiring)
    narrator, unavailable = narrator_resource.narrator()
    owners = owner_names(loaded) if narrator else frozenset()
    narrative, narration = narrate(build_narrative(facts), narrator, owners, unavailable)
    if narration.fallback:
        context.log.warning(f"narrator not used: {narration.fallback}")
    report = render(facts, narrative)
    reports.append(report)
    path = report_files.paths(night)[0]
    report_digest = keep_report(warehouse, context.run_id, report, narration.narrator)
    (context.log.info if facts.clean else context.log.warning)(narrative.headline)
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.md(report.markdown),
            "clean": facts.clean,
            "path": dg.MetadataValue.path(str(path)),
            "needs_a_person": len(facts.needs_a_person),
            "missing_sources": ", ".join(facts.missing) or "none",
            "failed_checks": ", ".join(f"{c.asset}.{c.check}" for c in facts.failed_checks)
            or "none",
            "slack_messages": len(report.messages),
            "narrator": narration.narrator,
            "narrator_fallback": narration.fallback or "",
            "report_digest": report_digest,
        },
        check_results=night_checks(warehouse, facts),
    )


class SlackReportConfig(dg.Config):
    repost: bool = False  # post the night again although it was already posted


def _posted_metadata(posted: Posted) -> dict[str, Any]:
    return {
        "posted": True,
        "channel": posted.channel,
        "ts": posted.ts,
        "thread_replies": posted.thread_replies,
        "file_id": posted.file_id or "",
    }


def build_slack_report(partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        name=SLACK_REPORT,
        group_name=REPORTING_GROUP,
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        kinds={"slack"},
        deps=[dg.AssetDep(EXCEPTION_REPORT)],
    )
    def slack_report(
        context: dg.AssetExecutionContext,
        config: SlackReportConfig,
        warehouse: dg.ResourceParam[Warehouse],
        report_files: dg.ResourceParam[ReportFiles],
        slack: SlackResource,
    ):
        """Posts the night's report to the finance channel once, and records where it went."""
        yield from each_night(
            context,
            lambda night: [post_night(context, config, warehouse, report_files, slack, night)],
        )

    return slack_report


def post_night(
    context: dg.AssetExecutionContext,
    config: SlackReportConfig,
    warehouse: Warehouse,
    report_files: ReportFiles,
    slack: SlackResource,
    night: str,
) -> dg.MaterializeResult:
    """Posts one night's report, unless it is a backfill or was posted before."""
    stored = stored_report(warehouse, night, context.run_id)
    if stored is None:
        raise dg.Failure(f"No report is stored for {night}: materialise {EXCEPTION_REPORT} first.")
    report, report_digest = stored
    where = str(report_files.paths(night)[0])
    tags = context.run.tags

    def not_posted(reason: str, **metadata: Any) -> dg.MaterializeResult:
        context.log.info(reason)
        return dg.MaterializeResult(
            metadata={"posted": False, "reason": reason, "report_digest": report_digest, **metadata}
        )

    if tags.get(BACKFILL_TAG) == "true" or DAGSTER_BACKFILL_TAG in tags:
        return not_posted(f"Backfill run: the report for {night} is stored, not posted.")
    if not slack.enabled:
        return not_posted(f"Slack is off (SLACK_BOT_TOKEN is not set); the report is at {where}.")
    earlier = previous_post(warehouse, night)
    repost = config.repost or tags.get(REPOST_TAG) == "true"
    completing = earlier is not None and not repost
    if earlier and completing:
        posted_from = posted_report(warehouse, night, earlier["report_digest"])
        if not thread_incomplete(earlier, posted_from):
            return not_posted(
                f"{night} was already posted (message {earlier['ts']}); rerun with repost to "
                "post it again.",
                channel=earlier["channel"],
                ts=earlier["ts"],
            )
        report, report_digest = posted_from, earlier["report_digest"]
    try:
        if earlier and completing:
            # A reply or the file failed last time: finish that thread, never a second message.
            before = Posted(
                earlier["channel"], earlier["ts"], earlier["thread_replies"], earlier["file_id"]
            )
            posted = slack.complete_thread(before, list(report.messages), report.attachment)
        else:
            posted = slack.post_messages(list(report.messages), report.attachment)
    except PartlyPosted as err:
        redact_error(err)
        record_post(warehouse, night, context.run_id, err.posted, report_digest)
        raise dg.Failure(
            f"The report for {night} was posted ({err.posted.ts}) but its thread was not "
            f"completed: {slack_error_text(err.__cause__, slack.max_retry_after_seconds)}. The "
            f"next run completes it; the full report is at {where}.",
            metadata=_posted_metadata(err.posted),
        ) from err
    except (SlackClientError, SlackNotConfigured, OSError) as err:
        redact_error(err)
        raise dg.Failure(
            f"Slack did not take the report for {night} after retries: "
            f"{slack_error_text(err, slack.max_retry_after_seconds)}. "
            f"The report is kept at {where}.",
            metadata={"posted": False, "report_digest": report_digest},
        ) from err
    record_post(warehouse, night, context.run_id, posted, report_digest)
    return dg.MaterializeResult(
        metadata={
            **_posted_metadata(posted),
            "reposted": earlier is not None and repost,
            "thread_completed": completing,
            "report_digest": report_digest,
        }
    )


def build_reporting_assets(
    partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> list[dg.AssetsDefinition]:
    return [
        build_exception_report(partitions_def, warehouse_kind),
        build_slack_report(partitions_def),
    ]
