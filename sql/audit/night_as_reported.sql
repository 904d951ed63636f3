-- A night's breaks as one run reported them: $run_id, or the night's first run when $run_id
-- is NULL (the report that went out that morning, before any rerun).
WITH runs AS (
    SELECT run_id, recorded_at FROM classification_runs WHERE recon_date = $recon_date
),
chosen AS (
    SELECT COALESCE(CAST($run_id AS VARCHAR), arg_min(run_id, recorded_at)) AS run_id FROM runs
)
SELECT h.*
FROM classified_variances_history AS h
JOIN chosen USING (run_id)
WHERE h.recon_date = $recon_date
ORDER BY h.check_name, h.key;
