-- Every open break of the night, all four classes, in a stable order.
SELECT
    break_id,
    check_name,
    key,
    class,
    kind,
    reason,
    owner,
    CAST(first_seen AS VARCHAR) AS first_seen,
    age_days,
    amount_minor,
    currency,
    accepted_rule,
    rule_not_applied
FROM classified_variances
WHERE recon_date = $recon_date
ORDER BY break_id;
