-- Each accepted rule's hits as the stored nights up to $recon_date stand (the latest run of
-- each night): breaks it accepted tonight, break-nights it accepted so far, its last night.
SELECT accepted_rule AS rule_id,
       COUNT(*) FILTER (WHERE recon_date = $recon_date) AS hits_tonight,
       COUNT(*) AS hits_to_date,
       strftime(MAX(recon_date), '%Y-%m-%d') AS last_hit
FROM classified_variances
WHERE accepted_rule IS NOT NULL AND recon_date <= $recon_date
GROUP BY accepted_rule
ORDER BY rule_id;
