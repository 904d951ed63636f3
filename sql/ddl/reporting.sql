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

-- The text of every run's report, `part` 'markdown' or 'payload' in pieces of at most 1,000
-- characters (`seq` from 0). Small rows keep a night's append cheap: DuckDB rewrites the
-- last row group of a table it appends to, and with a report a row, that row group was
-- every report ever kept (a year at 13,000 open breaks: 2.2 GB rewritten every night).
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

-- A store kept before report_text has its reports' text in report_history: it moves into
-- report_text once, a line a piece (cutting by lines is one fast pass; every line but the
-- last keeps its newline), else every append would still rewrite it all. Only DuckDB runs
-- these: a BigQuery table is not rewritten on append, and reading falls back to
-- report_history's own text (reporting/kept_report.sql).
INSERT INTO report_text
WITH texts AS (
  SELECT recon_date, run_id, digest, 'markdown' AS part, markdown AS body
  FROM report_history WHERE markdown <> ''
  UNION ALL
  SELECT recon_date, run_id, digest, 'payload' AS part, payload AS body
  FROM report_history WHERE payload <> ''
), cut AS (
  SELECT recon_date, run_id, digest, part, STRING_SPLIT(body, CHR(10)) AS lines
  FROM texts AS t
  WHERE NOT EXISTS (
    SELECT 1 FROM report_text AS k
    WHERE k.recon_date = t.recon_date AND k.run_id = t.run_id AND k.digest = t.digest
      AND k.part = t.part
  )
)
SELECT recon_date, run_id, digest, part,
       CAST(GENERATE_SUBSCRIPTS(lines, 1) - 1 AS INTEGER) AS seq,
       UNNEST(lines)
         || CASE WHEN GENERATE_SUBSCRIPTS(lines, 1) < LEN(lines) THEN CHR(10) ELSE '' END
         AS piece
FROM cut;

UPDATE report_history SET markdown = '', payload = '' WHERE markdown <> '' OR payload <> '';
