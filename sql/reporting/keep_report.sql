-- Keep this run's report of the night (appended: earlier runs' reports stay).
INSERT INTO report_history (recon_date, run_id, recorded_at, clean, narrator, markdown, payload, digest)
VALUES ($recon_date, $run_id, now(), $clean, $narrator, $markdown, $payload, $digest);
