-- This run's report of the night, as kept (appended: earlier runs' reports stay).
SELECT $recon_date AS recon_date, $run_id AS run_id, now() AS recorded_at, $clean AS clean,
    $narrator AS narrator, $markdown AS markdown, $payload AS payload, $digest AS digest;
