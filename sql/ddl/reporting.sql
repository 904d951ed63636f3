-- What the reporting group keeps. Appended, never replaced: the report a person read on a
-- given morning stays recoverable after the night is rematerialised.

-- Every run's report of a night; its text (the Markdown and the Slack payload exactly as
-- built) is in report_text. `markdown` and `payload` hold the text of reports kept before
-- report_text existed, and are empty since.
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

-- The text of every run's report, `part` 'markdown' or 'payload' in pieces (`seq` from 0):
-- of REPORT_PIECE_CHARS characters as a run keeps them (reporting/store.py), a line each as
-- an older store's reports were moved over (sql/upgrade/report_text.sql; a line can be
-- longer: the payload's attachment is one). Small rows keep a night's append cheap: DuckDB
-- rewrites the last row group of a table it appends to, and with a report a row, that row
-- group was every report ever kept (a year at 13,000 open breaks: 2.2 GB rewritten nightly).
CREATE TABLE IF NOT EXISTS report_text (
    recon_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,
    part VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    piece VARCHAR NOT NULL
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
