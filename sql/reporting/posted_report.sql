-- The report a post of the night was made from, by its digest.
SELECT markdown, payload, digest
FROM report_history
WHERE recon_date = $recon_date AND digest = $digest
ORDER BY recorded_at DESC
LIMIT 1;
