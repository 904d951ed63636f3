-- A break as the latest night that has it reported it (its newest evidence and class).
SELECT *
FROM classified_variances
WHERE break_id = $break_id
ORDER BY recon_date DESC
LIMIT 1;
