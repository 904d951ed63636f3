-- Night by night, every break of the trace's keys as it stands now (the latest run of each
-- night) beside what the first run of that night reported, and the nights they resolved.
WITH latest AS (
    SELECT recon_date, break_id, check_name, key, class, kind, reason, owner, first_seen,
           age_days, amount_minor, currency, accepted_rule
    FROM classified_variances
    WHERE key IN (SELECT key FROM trace_keys)
),
reported AS (
    SELECT recon_date, break_id, check_name, key, class, kind, reason, owner, first_seen,
           age_days, amount_minor, currency, accepted_rule, run_id, recorded_at
    FROM classified_variances_history
    WHERE key IN (SELECT key FROM trace_keys)
),
runs AS (
    -- every run of the nights these breaks were reported on, earliest first, including
    -- runs that kept no break at all
    SELECT recon_date, run_id, recorded_at
    FROM classification_runs
    WHERE recon_date IN (SELECT recon_date FROM reported)
),
first_runs AS (
    SELECT recon_date, arg_min(run_id, recorded_at) AS run_id, COUNT(*) AS runs,
           MIN(recorded_at) AS first_recorded_at
    FROM runs GROUP BY recon_date
),
first_reported AS (
    SELECT r.* FROM reported AS r JOIN first_runs USING (recon_date, run_id)
)
SELECT COALESCE(l.recon_date, f.recon_date) AS recon_date,
       COALESCE(l.break_id, f.break_id) AS break_id,
       COALESCE(l.check_name, f.check_name) AS check_name,
       COALESCE(l.key, f.key) AS key,
       l.class, l.kind, l.reason, l.owner, l.first_seen, l.age_days, l.amount_minor,
       l.currency, l.accepted_rule,
       l.break_id IS NOT NULL AS in_latest,
       f.break_id IS NOT NULL AS in_first_run,
       f.class AS first_run_class, f.accepted_rule AS first_run_accepted_rule,
       f.reason AS first_run_reason, f.amount_minor AS first_run_amount_minor,
       fr.runs, fr.first_recorded_at
FROM latest AS l
FULL JOIN first_reported AS f USING (recon_date, break_id)
LEFT JOIN first_runs AS fr ON fr.recon_date = COALESCE(l.recon_date, f.recon_date)
ORDER BY check_name, key, recon_date;
