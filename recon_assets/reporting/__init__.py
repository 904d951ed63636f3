"""Stage 3: the night in plain language for finance and operations: the report kept per
night, posted to Slack before the working day, and the alerts when a night failed or is late."""
