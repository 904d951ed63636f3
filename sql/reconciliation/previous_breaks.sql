-- The breaks of the last night classified before this one: a break keeps its first night.
SELECT break_id, check_name, key, class, first_seen FROM classified_variances
WHERE recon_date = $prev;
