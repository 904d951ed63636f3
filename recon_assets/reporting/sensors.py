"""Alerting: a failed run posts to Slack; a report missing at 07:00 fails its deadline check."""

import warnings

import dagster as dg

from recon_assets.partitions import daily_partitions
from recon_assets.redact import redact
from recon_assets.reporting.assets import exception_report
from recon_assets.reporting.slack import SlackResource, escape_mrkdwn

FAILURE_ALERT_SENSOR = "reconciliation_failure_alert"
REPORT_DEADLINE_SENSOR = "report_deadline_sensor"
# The report must exist by 07:00 in the retailer's time zone, before the working day.
REPORT_DEADLINE_CRON = "0 7 * * *"
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


def describe_failure(context: dg.RunFailureSensorContext) -> tuple[str, str]:
    """The first failed step and its error, else the run's own failure message."""
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
    description="Posts 'the reconciliation for D failed at <step>' with a link to the run.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def reconciliation_failure_alert(context: dg.RunFailureSensorContext, slack: SlackResource):
    run = context.dagster_run
    step, error = describe_failure(context)
    text = failure_text(run.tags.get("dagster/partition"), step, error, slack.run_url(run.run_id))
    if not slack.enabled:
        context.log.info(f"Slack is off (SLACK_BOT_TOKEN is not set); not posted: {text}")
        return
    slack.post_text(text)


# Fails when the report of the night before the latest 07:00 has not been materialised.
# Superseded by FreshnessPolicy in Dagster 1.13, but a policy only colours the asset's health
# in the UI; this stays a pass/fail asset check that a sensor evaluates after each deadline.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    report_deadline_checks = dg.build_time_partition_freshness_checks(
        assets=[exception_report],
        deadline_cron=REPORT_DEADLINE_CRON,
        timezone=daily_partitions.timezone,
    )
    report_deadline_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=report_deadline_checks,
        name=REPORT_DEADLINE_SENSOR,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )

reporting_sensors: list[dg.SensorDefinition] = [
    reconciliation_failure_alert,
    report_deadline_sensor,
]
