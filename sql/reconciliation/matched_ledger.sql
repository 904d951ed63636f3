-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
-- Every record of a leg belongs to one of its facts, so a row takes part in a leg when one
-- of its records does ('matched' unless a fact of the leg says worse); only the few facts
-- that say worse are joined back to their records. Each status is prefixed with its rank, so
-- the worst is the greatest, and the prefix dropped once the row's worst is known.
WITH worse AS (
  SELECT p.leg, p.leg_part, f.key, f.mapped_key,
         CASE
           WHEN f.class IN ('mapping', 'genuine_error') THEN '4broken'
           WHEN f.class = 'timing' THEN '3open'
           ELSE '2matched_within_tolerance'
         END AS ranked_status
  FROM tonight_facts AS f
  JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
  WHERE f.class IS NOT NULL OR f.kind = 'matched_within_tolerance'
), ranked_records AS (
  SELECT i.leg, '1matched' AS ranked_status, i.source, i.record_id FROM leg_inputs AS i
  UNION ALL
  SELECT w.leg, w.ranked_status, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.key
  UNION ALL
  SELECT w.leg, w.ranked_status, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.mapped_key
), statuses AS (
  SELECT r.entity_type, r.entity_key, l.check_name, rr.ranked_status
  FROM ranked_records AS rr
  JOIN (SELECT DISTINCT leg, check_name FROM leg_parts) AS l ON l.leg = rr.leg
  JOIN tonight_entity_records AS r ON r.source = rr.source AND r.record_id = rr.record_id
), by_row AS (
  -- one row per entity, a column per leg (pivoted before joining the row's totals, so the
  -- grouping is by the row's key alone)
  SELECT s.entity_type, s.entity_key,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'sale_vs_oms' THEN s.ranked_status END), 2)
      AS status_sale_vs_oms,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'sale_vs_capture' THEN s.ranked_status END), 2)
      AS status_sale_vs_capture,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'capture_vs_settlement' THEN s.ranked_status END), 2)
      AS status_capture_vs_settlement,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'sale_vs_shipment' THEN s.ranked_status END), 2)
      AS status_sale_vs_shipment,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'web_sale_vs_ledger' THEN s.ranked_status END), 2)
      AS status_web_sale_vs_ledger,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'pos_takings_vs_ledger' THEN s.ranked_status END), 2)
      AS status_pos_takings_vs_ledger,
    SUBSTRING(
      MAX(CASE WHEN s.check_name = 'refund_vs_processor_vs_ledger' THEN s.ranked_status END), 2
    ) AS status_refund_vs_processor_vs_ledger,
    SUBSTRING(MAX(CASE WHEN s.check_name = 'payout_vs_bank' THEN s.ranked_status END), 2)
      AS status_payout_vs_bank
  FROM statuses AS s
  GROUP BY s.entity_type, s.entity_key
)
-- USING keeps the row's key once: the totals' columns, then the statuses'.
SELECT *
FROM tonight_entity_totals AS t
LEFT JOIN by_row AS s USING (entity_type, entity_key);

DROP TABLE leg_inputs;
