-- The nights classified between the first night and this one (catch-up skips them).
SELECT DISTINCT recon_date FROM classification_runs
WHERE recon_date >= $first AND recon_date < $night;
