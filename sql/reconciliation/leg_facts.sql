-- One generic comparison for every leg (config in the leg_parts table): per check, part and
-- key, the expected side (a) against its counterpart (b), classified by deterministic rules.

-- A leg is evaluated for a key that has a record dated tonight, or a break open last night;
-- keys that matched before and saw nothing new keep their result, so the window's other
-- records are left out here, before anything is normalised, summed or compared. A part whose
-- sources are not all in scope tonight (rules/scope.yaml) is not compared.
-- Tonight's own records (nearly all of the table) are evaluated by definition, so only the
-- keys of the window's records are looked up, and the others deleted in place, not copied.
CREATE OR REPLACE TEMPORARY TABLE evaluated_window_keys AS
WITH window_inputs AS (
  SELECT DISTINCT leg, match_key AS key FROM leg_inputs WHERE business_date <> $recon_date
)
SELECT DISTINCT w.leg, w.key
FROM window_inputs AS w
JOIN leg_inputs AS i ON i.leg = w.leg AND i.match_key = w.key
WHERE i.business_date = $recon_date
UNION DISTINCT
SELECT l.leg, o.key
FROM prev_open AS o
JOIN (SELECT DISTINCT leg, check_name FROM leg_parts) AS l ON l.check_name = o.check_name;

DELETE FROM leg_inputs
WHERE match_key IS NULL
   OR leg_part IN (SELECT leg_part FROM leg_parts WHERE reconciled_from > $recon_date)
   OR (business_date <> $recon_date
       AND NOT EXISTS (
         SELECT 1 FROM evaluated_window_keys AS e
         WHERE e.leg = leg_inputs.leg AND e.key = leg_inputs.match_key
       ));

DROP TABLE evaluated_window_keys;

-- Both sides of each leg part and key, summed in one pass (most sides are one record, so
-- grouping by side and then joining the sides would do the work twice). A side with no
-- record has NULL sums; `records` leaves out ledger lines on an account not in the chart.
-- The SLA is the leg's, or the longest override among the records that start the break.
-- Sums are cast back to BIGINT, as leg_facts stores them: DuckDB sums BIGINT into a 16-byte
-- HUGEINT, nine such columns over every fact of the night (4.65M at 1M orders).
CREATE OR REPLACE TEMPORARY TABLE pair_sides AS
WITH sides AS (
  SELECT leg_part, match_key AS key,
         CAST(SUM(CASE WHEN unknown_account THEN 0 ELSE quantity END)
              FILTER (WHERE side = 'a') AS BIGINT) AS a_quantity,
         CAST(SUM(CASE WHEN unknown_account THEN 0 ELSE 1 END)
              FILTER (WHERE side = 'a') AS BIGINT) AS a_records,
         CAST(SUM(amount_minor) FILTER (WHERE side = 'a') AS BIGINT) AS a_amount,
         MIN(currency) FILTER (WHERE side = 'a') AS a_currency,
         MAX(business_date) FILTER (WHERE side = 'a') AS a_last_date,
         CAST(SUM(CASE WHEN unknown_code THEN 1 ELSE 0 END)
              FILTER (WHERE side = 'a') AS BIGINT) AS a_unknown_codes,
         MAX(sla_override) FILTER (WHERE side = 'a') AS a_sla_override,
         CAST(SUM(CASE WHEN unknown_account THEN 0 ELSE quantity END)
              FILTER (WHERE side = 'b') AS BIGINT) AS b_quantity,
         CAST(SUM(CASE WHEN unknown_account THEN 0 ELSE 1 END)
              FILTER (WHERE side = 'b') AS BIGINT) AS b_records,
         CAST(SUM(CASE WHEN unknown_account THEN 1 ELSE 0 END)
              FILTER (WHERE side = 'b') AS BIGINT) AS b_unknown,
         CAST(SUM(amount_minor) FILTER (WHERE side = 'b') AS BIGINT) AS b_amount,
         MIN(currency) FILTER (WHERE side = 'b') AS b_currency,
         MAX(business_date) FILTER (WHERE side = 'b') AS b_last_date,
         CAST(SUM(CASE WHEN unknown_code THEN 1 ELSE 0 END)
              FILTER (WHERE side = 'b') AS BIGINT) AS b_unknown_codes,
         MIN(system) FILTER (WHERE side = 'b') AS b_system,
         MAX(sla_override) FILTER (WHERE side = 'b') AS b_sla_override,
         MIN(business_date) AS first_date
  FROM leg_inputs
  GROUP BY leg_part, match_key
)
SELECT sides.*,
       COALESCE(CASE WHEN a_records IS NULL THEN b_sla_override ELSE a_sla_override END,
                p.sla_days) AS sla_days
FROM sides
JOIN leg_parts AS p ON p.leg_part = sides.leg_part;

-- A key with a record older than the day its leg part's systems were all in scope is not
-- compared (a system that joins later is not flooded with its past): its records take part
-- in nothing from here on, so every record left belongs to a fact (matched_ledger's status).
CREATE OR REPLACE TEMPORARY TABLE keys_before_scope AS
SELECT s.leg_part, s.key
FROM pair_sides AS s
JOIN leg_parts AS p ON p.leg_part = s.leg_part
WHERE s.first_date < p.reconciled_from;

DELETE FROM pair_sides
WHERE EXISTS (
  SELECT 1 FROM keys_before_scope AS k
  WHERE k.leg_part = pair_sides.leg_part AND k.key = pair_sides.key
);

DELETE FROM leg_inputs
WHERE EXISTS (
  SELECT 1 FROM keys_before_scope AS k
  WHERE k.leg_part = leg_inputs.leg_part AND k.key = leg_inputs.match_key
);

DROP TABLE keys_before_scope;

-- The keys found on one side only of a leg that normalises keys, normalised cumulatively
-- from their records' own spellings: trim and case-fold, strip '#', strip an alphabetic
-- prefix ending in '-', '_' or ' ', strip leading zeros. Only these can pair by mapping, so
-- the matched majority is never normalised.
CREATE OR REPLACE TEMPORARY TABLE one_sided_keys AS
SELECT leg_part, side, key,
       MIN(norm1) AS norm1, MIN(norm2) AS norm2, MIN(norm3) AS norm3, MIN(norm4) AS norm4
FROM (
  SELECT n3.*, REGEXP_REPLACE(norm3, '^0+', '') AS norm4
  FROM (
    SELECT n2.*, REGEXP_REPLACE(norm2, '^[a-z]+[-_ ]', '') AS norm3
    FROM (
      SELECT n1.*, REPLACE(norm1, '#', '') AS norm2
      FROM (
        SELECT k.leg_part, k.side, k.match_key AS key,
               LOWER(TRIM(COALESCE(k.spelled_key, k.match_key))) AS norm1
        FROM leg_inputs AS k
        JOIN pair_sides AS s ON s.leg_part = k.leg_part AND s.key = k.match_key
        JOIN leg_parts AS p ON p.leg_part = k.leg_part
        WHERE p.normalise_keys
          AND ((k.side = 'a' AND s.b_records IS NULL) OR (k.side = 'b' AND s.a_records IS NULL))
      ) AS n1
    ) AS n2
  ) AS n3
) AS normalised
GROUP BY leg_part, side, key;

-- An unmatched expectation and an unmatched counterpart whose keys agree once normalised:
-- the lowest normalisation level that makes them equal is the mapping to configure.
CREATE OR REPLACE TEMPORARY TABLE key_pairs AS
WITH candidates AS (
  SELECT a.leg_part, a.key AS a_key, b.key AS b_key, s.b_system,
         CASE
           WHEN a.norm1 = b.norm1 THEN 1
           WHEN a.norm2 = b.norm2 THEN 2
           WHEN a.norm3 = b.norm3 THEN 3
           ELSE 4
         END AS level
  FROM one_sided_keys AS a
  JOIN one_sided_keys AS b ON a.leg_part = b.leg_part AND a.norm4 = b.norm4
  JOIN pair_sides AS s ON s.leg_part = b.leg_part AND s.key = b.key
  WHERE a.side = 'a' AND b.side = 'b' AND a.norm4 <> ''
), ranked AS (
  SELECT candidates.*,
         ROW_NUMBER() OVER (PARTITION BY leg_part, a_key ORDER BY level, b_key) AS by_a,
         ROW_NUMBER() OVER (PARTITION BY leg_part, b_key ORDER BY level, a_key) AS by_b
  FROM candidates
)
SELECT leg_part, a_key, b_key, b_system, level FROM ranked WHERE by_a = 1 AND by_b = 1;

CREATE OR REPLACE TEMPORARY TABLE tonight_facts AS
WITH merged AS (
  SELECT a.leg_part, a.key,
         a.a_quantity, a.a_records, a.a_amount, a.a_currency, a.a_last_date,
         b.b_quantity, b.b_records, b.b_unknown, b.b_amount, b.b_currency, b.b_last_date,
         b.b_system,
         COALESCE(a.a_unknown_codes, 0) + COALESCE(b.b_unknown_codes, 0) AS unknown_codes,
         kp.b_key AS mapped_key, kp.level AS mapped_level, a.sla_days
  FROM key_pairs AS kp
  JOIN pair_sides AS a ON a.leg_part = kp.leg_part AND a.key = kp.a_key
  JOIN pair_sides AS b ON b.leg_part = kp.leg_part AND b.key = kp.b_key
  UNION ALL
  SELECT s.leg_part, s.key,
         s.a_quantity, s.a_records, s.a_amount, s.a_currency, s.a_last_date,
         s.b_quantity, s.b_records, s.b_unknown, s.b_amount, s.b_currency, s.b_last_date,
         s.b_system, COALESCE(s.a_unknown_codes, 0) + COALESCE(s.b_unknown_codes, 0),
         CAST(NULL AS VARCHAR), CAST(NULL AS INTEGER), s.sla_days
  FROM pair_sides AS s
  -- Not a key of a pair above; one equi-join per side of the pair (an IN over both columns
  -- would compare every key with every pair).
  WHERE NOT EXISTS (
    SELECT 1 FROM key_pairs AS kp WHERE kp.leg_part = s.leg_part AND kp.a_key = s.key
  )
  AND NOT EXISTS (
    SELECT 1 FROM key_pairs AS kp WHERE kp.leg_part = s.leg_part AND kp.b_key = s.key
  )
), kinds AS (
  SELECT p.check_name, p.part, m.key,
         m.a_quantity, m.a_records, m.a_amount, m.a_currency, m.a_last_date,
         m.b_quantity, m.b_records, m.b_unknown, m.b_amount, m.b_currency, m.b_last_date,
         m.b_system, m.unknown_codes, m.mapped_key, m.mapped_level, m.sla_days,
         p.missing_kind, p.orphan_kind,
         CASE
           WHEN m.mapped_key IS NOT NULL THEN 'key_mapping'
           WHEN COALESCE(m.b_unknown, 0) > 0 THEN 'unknown_account'
           WHEN m.unknown_codes > 0 THEN 'unknown_code'
           -- a processor record whose vendor left the order key field empty (adapters)
           WHEN m.a_records IS NULL AND m.key LIKE $missing_order_key THEN 'missing_order_key'
           WHEN m.a_records IS NULL THEN p.orphan_kind
           WHEN COALESCE(m.b_records, 0) = 0 THEN
             CASE WHEN m.a_quantity = 0 THEN 'matched' ELSE p.missing_kind END
           WHEN m.b_currency IS NOT NULL AND m.b_currency <> m.a_currency THEN p.differs_kind
           WHEN m.b_quantity = m.a_quantity THEN 'matched'
           WHEN ABS(m.b_quantity - m.a_quantity) <= p.tolerance_minor
             OR ABS(m.b_quantity - m.a_quantity) * 10000 <= p.tolerance_bp * ABS(m.a_quantity)
             THEN 'matched_within_tolerance'
           WHEN p.exponent_slips AND m.b_records = 1 AND m.a_quantity <> 0
             AND (m.b_quantity IN (m.a_quantity * 10, m.a_quantity * 100, m.a_quantity * 1000)
               OR m.a_quantity IN (m.b_quantity * 10, m.b_quantity * 100, m.b_quantity * 1000))
             THEN 'exponent_slip'
           WHEN p.summed AND m.b_quantity < m.a_quantity THEN p.missing_kind
           WHEN p.summed AND m.b_records > 1 AND p.duplicate_kind IS NOT NULL
             THEN p.duplicate_kind
           WHEN p.summed THEN p.over_kind
           ELSE p.differs_kind
         END AS kind
  FROM merged AS m
  JOIN leg_parts AS p ON p.leg_part = m.leg_part
), aged AS (
  SELECT kinds.*,
         CASE WHEN a_records IS NULL THEN b_last_date ELSE a_last_date END AS start_date
  FROM kinds
)
SELECT aged.*,
       DATE_DIFF('day', start_date, $recon_date) AS age_days,
       CASE
         WHEN kind IN ('matched', 'matched_within_tolerance') THEN NULL
         WHEN kind IN ('key_mapping', 'unknown_account', 'unknown_code', 'exponent_slip',
                       'missing_order_key')
           THEN 'mapping'
         WHEN kind IN (missing_kind, orphan_kind)
           AND DATE_DIFF('day', start_date, $recon_date) < sla_days THEN 'timing'
         ELSE 'genuine_error'
       END AS class
FROM aged;

DROP TABLE one_sided_keys;
DROP TABLE key_pairs;
DROP TABLE pair_sides;

-- The records kept behind tonight's facts: every part of a leg with an open part (a break's
-- evidence lists them all) and records filed under another spelling of the key (a trace of
-- the key finds them only through here); a matched leg's own records are found by their key.
-- Those records are picked out of the leg inputs first (few), then joined to their facts;
-- the second branch is for mapped counterparts (an OR in the join condition would be a
-- nested loop).
CREATE OR REPLACE TEMPORARY TABLE open_legs AS
SELECT DISTINCT p.leg, f.check_name, f.key
FROM tonight_facts AS f
JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
WHERE f.class IS NOT NULL;

CREATE OR REPLACE TEMPORARY TABLE kept_fact_records AS
SELECT f.check_name, f.key, f.part, i.side, i.source, i.record_id, i.business_date,
       i.system, COALESCE(i.spelled_key, i.match_key) AS record_key, i.quantity,
       i.amount_minor, i.currency, i.unknown_account
FROM (
  SELECT i.*
  FROM leg_inputs AS i
  LEFT JOIN open_legs AS o ON o.leg = i.leg AND o.key = i.match_key
  WHERE o.key IS NOT NULL OR i.spelled_key IS NOT NULL
) AS i
JOIN leg_parts AS p ON p.leg_part = i.leg_part
JOIN tonight_facts AS f ON f.check_name = p.check_name AND f.part = p.part AND f.key = i.match_key
UNION DISTINCT
SELECT f.check_name, f.key, f.part, i.side, i.source, i.record_id, i.business_date,
       i.system, COALESCE(i.spelled_key, i.match_key), i.quantity, i.amount_minor,
       i.currency, i.unknown_account
FROM tonight_facts AS f
JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
JOIN leg_inputs AS i ON i.leg_part = p.leg_part AND i.match_key = f.mapped_key;
