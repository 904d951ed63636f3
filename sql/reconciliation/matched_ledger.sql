-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
-- Every record of a leg belongs to one of its facts, so a row takes part in a leg when one
-- of its records does ('matched', rank 1, unless a fact of the leg says worse); only the few
-- facts that say worse are joined back to their records.
WITH worse AS (
  SELECT p.leg, p.leg_part, f.key, f.mapped_key,
         CASE
           WHEN f.class IN ('mapping', 'genuine_error') THEN 4
           WHEN f.class = 'timing' THEN 3
           ELSE 2
         END AS rank
  FROM tonight_facts AS f
  JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
  WHERE f.class IS NOT NULL OR f.kind = 'matched_within_tolerance'
), ranked_records AS (
  SELECT i.leg, 1 AS rank, i.source, i.record_id FROM leg_inputs AS i
  UNION ALL
  SELECT w.leg, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.key
  UNION ALL
  SELECT w.leg, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.mapped_key
), ranked AS (
  SELECT r.entity_type, r.entity_key, rr.leg, MAX(rr.rank) AS rank
  FROM ranked_records AS rr
  JOIN tonight_entity_records AS r ON r.source = rr.source AND r.record_id = rr.record_id
  GROUP BY r.entity_type, r.entity_key, rr.leg
), statuses AS (
  SELECT r.entity_type, r.entity_key, l.check_name,
         CASE r.rank
           WHEN 4 THEN 'broken' WHEN 3 THEN 'open'
           WHEN 2 THEN 'matched_within_tolerance' ELSE 'matched'
         END AS status
  FROM ranked AS r
  JOIN (SELECT DISTINCT leg, check_name FROM leg_parts) AS l ON l.leg = r.leg
), by_row AS (
  -- one row per entity, a column per leg (pivoted before joining the row's totals, so the
  -- grouping is by the row's key alone)
  SELECT s.entity_type, s.entity_key,
    MAX(CASE WHEN s.check_name = 'sale_vs_oms' THEN s.status END) AS status_sale_vs_oms,
    MAX(CASE WHEN s.check_name = 'sale_vs_capture' THEN s.status END) AS status_sale_vs_capture,
    MAX(CASE WHEN s.check_name = 'capture_vs_settlement' THEN s.status END)
      AS status_capture_vs_settlement,
    MAX(CASE WHEN s.check_name = 'sale_vs_shipment' THEN s.status END)
      AS status_sale_vs_shipment,
    MAX(CASE WHEN s.check_name = 'web_sale_vs_ledger' THEN s.status END)
      AS status_web_sale_vs_ledger,
    MAX(CASE WHEN s.check_name = 'pos_takings_vs_ledger' THEN s.status END)
      AS status_pos_takings_vs_ledger,
    MAX(CASE WHEN s.check_name = 'refund_vs_processor_vs_ledger' THEN s.status END)
      AS status_refund_vs_processor_vs_ledger,
    MAX(CASE WHEN s.check_name = 'payout_vs_bank' THEN s.status END) AS status_payout_vs_bank
  FROM statuses AS s
  GROUP BY s.entity_type, s.entity_key
)
-- USING keeps the row's key once: the totals' columns, then the statuses'.
SELECT *
FROM tonight_entity_totals AS t
LEFT JOIN by_row AS s USING (entity_type, entity_key);

DROP TABLE leg_inputs;
