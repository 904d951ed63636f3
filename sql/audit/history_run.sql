-- The night's breaks as this run classified them, kept beside every earlier run's.
SELECT $run_id AS run_id, now() AS recorded_at, * FROM classified_variances
WHERE recon_date = $d;
