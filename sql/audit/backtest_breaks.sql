-- Every stored break of the nights tested ($start to $end), as each night's latest run has it.
SELECT recon_date, break_id, check_name, key, class, kind, reason, owner, age_days,
       amount_minor, currency, evidence, accepted_rule
FROM classified_variances
WHERE recon_date BETWEEN $start AND $end
ORDER BY recon_date, check_name, key;
