-- One row per run that classified a night: the only place a run id is kept.
SELECT $d AS recon_date, $run_id AS run_id, now() AS recorded_at, COUNT(*) AS breaks
FROM classified_variances WHERE recon_date = $d;
