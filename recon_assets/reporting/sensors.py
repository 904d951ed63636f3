"""Alerting: a failed run posts to Slack (a failed extract says which vendor did not deliver);
so does a report still missing at 07:00."""

from datetime import date, datetime, time, timedelta

import dagster as dg
from dagster._core.storage.event_log.base import AssetRecordsFilter
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster._time import get_current_datetime

from recon_assets.jobs import EXTRACTS_JOB
from recon_assets.redact import redact
from recon_assets.reporting.assets import EXCEPTION_REPORT
from recon_assets.reporting.slack import SlackResource
from recon_assets.reporting.slack_text import escape_mrkdwn

FAILURE_ALERT_SENSOR = "reconciliation_failure_alert"
REPORT_DEADLINE_ALERT = "report_deadline_alert"
# The report must exist by 07:00 in the retailer's time zone, before the working day.
REPORT_DEADLINE = time(7, 0)
MAX_ERROR_CHARS = 500


def failure_text(night: str | None, step: str, error: str, run_url: str) -> str:
    """The alert, escaped: an error message can quote source data."""
    error = " ".join(redact(error).split())
    if len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 1] + "…"
    what = f"the reconciliation for {night}" if night else "a reconciliation run"
    return (
        f"{escape_mrkdwn(what[0].upper() + what[1:])} failed at {escape_mrkdwn(step)}: "
        f"{escape_mrkdwn(error)} <{run_url}|Open the run in Dagster>"
    )


# The extract assets' vendors (recon_assets/extracts/assets.py, EXTRACTS): a failed step of
# one of them is an extract that did not deliver, not a reconciliation that failed.
EXTRACT_VENDORS = {"stripe_balance_transactions": "Stripe", "shopify_orders": "Shopify"}


def extract_failure_text(nights: str | None, step: str, error: str, run_url: str) -> str:
    """The alert for an extract run: the night is not lost, its run will say the source did
    not deliver. `nights` is the night, or a backfill's range."""
    error = " ".join(redact(error).split())
    if len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 1] + "…"
    vendor = EXTRACT_VENDORS.get(step)
    what = f"the {vendor} extract" if vendor else f"the extracts (at {step})"
    what += f" for {nights}" if nights else ""
    after = "the night" if nights and " to " not in nights else "each night"
    return (
        f"{escape_mrkdwn(what[0].upper() + what[1:])} failed: {escape_mrkdwn(error)}; "
        f"{after} will report the source as not delivered unless the extract is run again "
        f"before its reconciliation. <{run_url}|Open the run in Dagster>"
    )


def _nights_of(run: dg.DagsterRun) -> str | None:
    night = run.tags.get(PARTITION_NAME_TAG)
    first = run.tags.get(ASSET_PARTITION_RANGE_START_TAG)
    last = run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if night or not (first and last):
        return night
    return first if first == last else f"{first} to {last}"


def failed_blocking_check(context: dg.RunFailureSensorContext) -> tuple[str, str] | None:
    """The first check of the run that failed with its own words (e.g. the night before was
    not reconciled): what a blocking check's failure is really about."""
    records = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.blocking and evaluation.description:
            where = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
            return where, evaluation.description
    return None


def describe_failure(context: dg.RunFailureSensorContext) -> tuple[str, str]:
    """A failed check's own words, else the first failed step and its error, else the run's
    own failure message."""
    checked = failed_blocking_check(context)
    if checked is not None:
        return checked
    for event in context.get_step_failure_events():
        step = event.step_key or "an unnamed step"
        data = event.event_specific_data
        if data and data.user_failure_data and data.user_failure_data.description:
            return step, data.user_failure_data.description  # a dg.Failure's own words
        if data and data.error:
            # "package.module.SomeError: text" reads as "text"
            message = data.error.message
            return step, message.partition(f"{data.error.cls_name}: ")[2] or message
        return step, event.message or "no error message"
    return "the start of the run", context.failure_event.message or "no error message"


@dg.run_failure_sensor(
    name=FAILURE_ALERT_SENSOR,
    description="Posts 'the reconciliation for D failed at <step>' (for an extract: 'the "
    "Stripe extract for D failed: ...') with a link to the run.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def reconciliation_failure_alert(context: dg.RunFailureSensorContext, slack: SlackResource):
    run = context.dagster_run
    step, error = describe_failure(context)
    if step in EXTRACT_VENDORS or run.job_name == EXTRACTS_JOB:
        text = extract_failure_text(_nights_of(run), step, error, slack.run_url(run.run_id))
    else:
        text = failure_text(
            run.tags.get(PARTITION_NAME_TAG), step, error, slack.run_url(run.run_id)
        )
    if not slack.enabled:
        context.log.info(f"Slack is off (SLACK_BOT_TOKEN is not set); not posted: {text}")
        return
    slack.post_text(text)


def night_due(now: datetime, first_night: date) -> date | None:
    """The latest night whose report was due by 07:00 local on or before `now`."""
    today = now.date() if now.time() >= REPORT_DEADLINE else now.date() - timedelta(days=1)
    night = today - timedelta(days=1)
    return night if night >= first_night else None


def missed_deadline_text(night: date) -> str:
    return f"No reconciliation report for {night} by {REPORT_DEADLINE:%H:%M}."


def build_reporting_sensors(timezone: str, first_night: date) -> list[dg.SensorDefinition]:
    """The run-failure alert and the 07:00 deadline alert. The deadline is a sensor, not an
    asset check: a check on exception_report would be part of every run the UI's "Materialize
    all" launches, and a night's run must never read the wall clock."""

    @dg.sensor(
        name=REPORT_DEADLINE_ALERT,
        description="Posts 'no reconciliation report for D by 07:00' once when a night's "
        "report is late.",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=300,
    )
    def report_deadline_alert(context: dg.SensorEvaluationContext, slack: SlackResource):
        # Dagster's own clock, the one its sensor ticks use (and tests can freeze).
        night = night_due(get_current_datetime(timezone), first_night)
        # The cursor is the last night alerted about: one message per late night.
        if night is None or context.cursor == night.isoformat():
            return dg.SkipReason("No report is late.")
        found = context.instance.fetch_materializations(
            AssetRecordsFilter(
                asset_key=dg.AssetKey(EXCEPTION_REPORT), asset_partitions=[night.isoformat()]
            ),
            limit=1,
        ).records
        if found:
            return dg.SkipReason(f"The report for {night} exists.")
        text = missed_deadline_text(night)
        if slack.enabled:
            slack.post_text(escape_mrkdwn(text))
        else:
            context.log.info(f"Slack is off (SLACK_BOT_TOKEN is not set); not posted: {text}")
        # Also on the night's report in the UI, where a data engineer looks first.
        late = dg.AssetObservation(EXCEPTION_REPORT, partition=night.isoformat(), description=text)
        return dg.SensorResult(skip_reason=text, cursor=night.isoformat(), asset_events=[late])

    return [reconciliation_failure_alert, report_deadline_alert]
