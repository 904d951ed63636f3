"""Run tags the command line sets and the reporting assets read."""

# A backfill (ours, or one launched from the Dagster UI) never posts to Slack.
BACKFILL_TAG = "recon/backfill"
DAGSTER_BACKFILL_TAG = "dagster/backfill"
# Post a night's report again although it was posted before (`recon run --repost`).
REPOST_TAG = "recon/repost"
