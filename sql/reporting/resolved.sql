-- Breaks open the night before that resolved tonight.
SELECT COUNT(*) AS resolved
FROM break_resolutions
WHERE recon_date = $recon_date;
