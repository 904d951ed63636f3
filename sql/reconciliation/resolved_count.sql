-- How many breaks were resolved tonight (UI metadata).
SELECT COUNT(*) AS n FROM break_resolutions WHERE recon_date = $d;
