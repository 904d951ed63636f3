-- The first message posted for the night, if any.
SELECT channel, ts, run_id
FROM slack_posts
WHERE recon_date = $recon_date
ORDER BY posted_at
LIMIT 1;
