-- How many legs a night compared: none means the night was never reconciled.
SELECT COUNT(*) AS n FROM leg_facts WHERE recon_date = $d;
