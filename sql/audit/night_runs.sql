-- The runs that classified a night, in the order they ran, with how many breaks each kept.
SELECT run_id, recorded_at, breaks
FROM classification_runs
WHERE recon_date = $recon_date
ORDER BY recorded_at, run_id;
