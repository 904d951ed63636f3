-- Nothing is lost: every record delivered for the night sits in exactly one row of the
-- night's matched_ledger, and counts and money per source and currency add up.
-- What each source delivered is stated here again, from the source tables, on purpose: a
-- check that reused records.sql would share any mistake it is there to catch. One piece per
-- source, in checks/conservation/.
WITH delivered AS (
  {{ union_per_source('checks/conservation') }}
), placed AS (
  SELECT r.source, r.record_id, r.currency, r.money_minor AS money
  FROM entity_records AS r
  JOIN matched_ledger AS m
    ON m.recon_date = r.recon_date AND m.entity_type = r.entity_type
   AND m.entity_key = r.entity_key
  WHERE r.recon_date = $recon_date AND r.business_date = $recon_date
    AND m.recon_date = $recon_date
), misplaced AS (
  -- the placements of a record placed more than once (grouped, not windowed: a window over
  -- the night's 5.7M records at 1M orders cost more than the rest of the check)
  SELECT p.source, p.currency, COUNT(*) AS misplaced_records
  FROM placed AS p
  JOIN (SELECT source, record_id FROM placed GROUP BY source, record_id HAVING COUNT(*) > 1)
    AS twice ON twice.source = p.source AND twice.record_id = p.record_id
  GROUP BY 1, 2
), sides AS (
  SELECT source, COALESCE(currency, '-') AS currency, COUNT(*) AS delivered_records,
         SUM(money) AS delivered_minor, 0 AS placed_records, 0 AS placed_minor,
         0 AS misplaced_records
  FROM delivered GROUP BY 1, 2
  UNION ALL
  SELECT source, COALESCE(currency, '-'), 0, 0, COUNT(*), SUM(money), 0
  FROM placed GROUP BY 1, 2
  UNION ALL
  SELECT source, COALESCE(currency, '-'), 0, 0, 0, 0, misplaced_records FROM misplaced
)
SELECT source, currency,
       SUM(delivered_records) AS delivered_records, SUM(placed_records) AS placed_records,
       SUM(delivered_minor) AS delivered_minor, SUM(placed_minor) AS placed_minor,
       SUM(misplaced_records) AS misplaced_records
FROM sides
GROUP BY source, currency
ORDER BY source, currency;
