-- The night's latest post and how much of its thread went out (a completed thread is recorded
-- again under the same ts, with its replies counted).
SELECT channel, ts, run_id, thread_replies, file_id, report_digest
FROM slack_posts
WHERE recon_date = $recon_date
ORDER BY posted_at DESC, thread_replies DESC
LIMIT 1;
