-- A store kept before report_text has its reports' text in report_history: it moves into
-- report_text once, a line a piece (cutting by lines is one fast pass; every line but the
-- last keeps its newline), else every append would still rewrite it all. DuckDB only: a
-- BigQuery table is not rewritten on append, and reading falls back to report_history's own
-- text (reporting/kept_report.sql). Run as every session opens, after sql/ddl; a store that
-- has moved finds nothing to move.
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
