-- What the reporting group keeps. Appended, never replaced: the report a person read on a
-- given morning stays recoverable after the night is rematerialised.

-- Every run's report of a night: the Markdown and the Slack payload exactly as built.
CREATE TABLE IF NOT EXISTS report_history (
    recon_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    clean BOOLEAN NOT NULL,
    narrator VARCHAR NOT NULL,
    markdown VARCHAR NOT NULL,
    payload VARCHAR NOT NULL,
    digest VARCHAR NOT NULL
);

-- Every message posted to Slack for a night: a rematerialised night does not post again.
CREATE TABLE IF NOT EXISTS slack_posts (
    recon_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    posted_at TIMESTAMPTZ NOT NULL,
    channel VARCHAR NOT NULL,
    ts VARCHAR NOT NULL,
    thread_replies BIGINT NOT NULL,
    file_id VARCHAR,
    report_digest VARCHAR NOT NULL
);
