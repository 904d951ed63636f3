-- This run's report of the night, as kept (appended: earlier runs' reports stay); its text
-- is kept in report_text (keep_report_text.sql).
SELECT $recon_date AS recon_date, $run_id AS run_id, now() AS recorded_at, $clean AS clean,
    $narrator AS narrator, '' AS markdown, '' AS payload, $digest AS digest;
