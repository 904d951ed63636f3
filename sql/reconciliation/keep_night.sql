-- One of the night's working tables (templated: working_table), as the rows kept for the night.
SELECT CAST($recon_date AS DATE) AS recon_date, * FROM working_table;
