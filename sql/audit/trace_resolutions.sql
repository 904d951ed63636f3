-- The nights the breaks of the trace's keys were gone (resolved), as the latest runs say.
SELECT recon_date AS resolved_on, break_id, check_name, key, last_class, first_seen
FROM break_resolutions
WHERE key IN (SELECT key FROM trace_keys)
ORDER BY check_name, key, resolved_on;
