-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
-- Every record of a leg belongs to one of its facts, so a row takes part in a leg when one
-- of its records does ('matched' unless a fact of the leg says worse); only the few facts
-- that say worse are joined back to their records.
WITH involved AS (
  SELECT DISTINCT r.entity_type, r.entity_key, i.leg
  FROM leg_inputs AS i
  JOIN tonight_entity_records AS r ON r.source = i.source AND r.record_id = i.record_id
), worse AS (
  SELECT p.leg, p.leg_part, f.key, f.mapped_key,
         CASE
           WHEN f.class IN ('mapping', 'genuine_error') THEN 4
           WHEN f.class = 'timing' THEN 3
           ELSE 2
         END AS rank
  FROM tonight_facts AS f
  JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
  WHERE f.class IS NOT NULL OR f.kind = 'matched_within_tolerance'
), worse_records AS (
  SELECT w.leg, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.key
  UNION ALL
  SELECT w.leg, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.mapped_key
), ranked AS (
  SELECT v.entity_type, v.entity_key, v.leg, COALESCE(MAX(w.rank), 1) AS rank
  FROM involved AS v
  LEFT JOIN (
    SELECT r.entity_type, r.entity_key, wr.leg, wr.rank
    FROM worse_records AS wr
    JOIN tonight_entity_records AS r ON r.source = wr.source AND r.record_id = wr.record_id
  ) AS w
    ON w.entity_type = v.entity_type AND w.entity_key = v.entity_key AND w.leg = v.leg
  GROUP BY v.entity_type, v.entity_key, v.leg
), statuses AS (
  SELECT r.entity_type, r.entity_key, l.check_name,
         CASE r.rank
           WHEN 4 THEN 'broken' WHEN 3 THEN 'open'
           WHEN 2 THEN 'matched_within_tolerance' ELSE 'matched'
         END AS status
  FROM ranked AS r
  JOIN (SELECT DISTINCT leg, check_name FROM leg_parts) AS l ON l.leg = r.leg
)
SELECT t.*,
  MAX(CASE WHEN s.check_name = 'sale_vs_oms' THEN s.status END) AS status_sale_vs_oms,
  MAX(CASE WHEN s.check_name = 'sale_vs_capture' THEN s.status END) AS status_sale_vs_capture,
  MAX(CASE WHEN s.check_name = 'capture_vs_settlement' THEN s.status END)
    AS status_capture_vs_settlement,
  MAX(CASE WHEN s.check_name = 'sale_vs_shipment' THEN s.status END) AS status_sale_vs_shipment,
  MAX(CASE WHEN s.check_name = 'web_sale_vs_ledger' THEN s.status END)
    AS status_web_sale_vs_ledger,
  MAX(CASE WHEN s.check_name = 'pos_takings_vs_ledger' THEN s.status END)
    AS status_pos_takings_vs_ledger,
  MAX(CASE WHEN s.check_name = 'refund_vs_processor_vs_ledger' THEN s.status END)
    AS status_refund_vs_processor_vs_ledger,
  MAX(CASE WHEN s.check_name = 'payout_vs_bank' THEN s.status END) AS status_payout_vs_bank
FROM tonight_entity_totals AS t
LEFT JOIN statuses AS s ON s.entity_type = t.entity_type AND s.entity_key = t.entity_key
GROUP BY ALL;

DROP TABLE leg_inputs;
