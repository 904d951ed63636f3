-- The night's report to post: the one this run built, else the latest one kept.
SELECT run_id, clean, markdown, payload, digest
FROM report_history
WHERE recon_date = $recon_date
ORDER BY run_id = $run_id DESC, recorded_at DESC
LIMIT 1;
