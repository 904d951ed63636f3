-- How many runs classified the night before: none means the history has a hole.
SELECT COUNT(*) AS n FROM classification_runs WHERE recon_date = $prev;
