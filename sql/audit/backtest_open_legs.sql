-- The open legs of the nights tested, with the class the matching gave them before any
-- accepted rule (what an accepted break would be without its rule).
SELECT recon_date, check_name, part, key, kind, age_days, class
FROM leg_facts
WHERE recon_date BETWEEN $start AND $end AND class IS NOT NULL
ORDER BY recon_date, check_name, key, part;
