-- Tonight's legs that broke: what classification turns into breaks.
SELECT * FROM leg_facts WHERE recon_date = $d AND class IS NOT NULL;
