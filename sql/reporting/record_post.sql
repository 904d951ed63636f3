-- Where the night's report was posted.
INSERT INTO slack_posts (recon_date, run_id, posted_at, channel, ts, thread_replies, file_id, report_digest)
VALUES ($recon_date, $run_id, now(), $channel, $ts, $thread_replies, $file_id, $report_digest);
