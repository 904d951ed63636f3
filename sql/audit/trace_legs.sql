-- The latest comparison of every leg of the trace's keys, with the class the night's
-- classification gave it (known_accepted and its rule included) when it was a break.
SELECT f.check_name, f.part, f.key, k.relation, f.recon_date AS as_of, f.kind,
       COALESCE(cv.class, f.class) AS class, cv.accepted_rule, f.age_days,
       f.a_amount AS expected_amount, f.a_currency AS expected_currency,
       f.b_amount AS counterpart_amount, f.b_currency AS counterpart_currency,
       f.a_quantity AS expected_quantity, f.b_quantity AS counterpart_quantity
FROM leg_facts AS f
JOIN trace_keys AS k ON k.key = f.key
LEFT JOIN classified_variances AS cv
  ON cv.recon_date = f.recon_date AND cv.check_name = f.check_name AND cv.key = f.key
 AND f.class IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY f.check_name, f.part, f.key ORDER BY f.recon_date DESC) = 1
ORDER BY f.check_name, f.key, f.part;
