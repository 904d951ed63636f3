-- The runs that classified a night, in the order they ran, with how many breaks each kept.
SELECT run_id, MIN(recorded_at) AS recorded_at, COUNT(*) AS breaks
FROM classified_variances_history
WHERE recon_date = $recon_date
GROUP BY run_id
ORDER BY recorded_at, run_id;
