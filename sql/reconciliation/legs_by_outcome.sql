-- How many legs of each check matched or broke tonight, by class or kind (UI metadata).
SELECT check_name, COALESCE(class, kind) AS outcome, COUNT(*) AS n FROM leg_facts
WHERE recon_date = $d GROUP BY ALL ORDER BY ALL;
