-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
-- Every record of a leg belongs to one of its facts, so a row takes part in a leg when one
-- of its records does ('matched' unless a fact of the leg says worse); only the few facts
-- that say worse are joined back to their records.
WITH involved AS (
  SELECT DISTINCT r.entity_type, r.entity_key, i.check_name
  FROM keyed_inputs AS i
  JOIN tonight_entity_records AS r ON r.source = i.source AND r.record_id = i.record_id
), worse AS (
  SELECT check_name, part, key, mapped_key,
         CASE
           WHEN class IN ('mapping', 'genuine_error') THEN 4
           WHEN class = 'timing' THEN 3
           ELSE 2
         END AS rank
  FROM tonight_facts
  WHERE class IS NOT NULL OR kind = 'matched_within_tolerance'
), worse_records AS (
  SELECT w.check_name, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN keyed_inputs AS i
    ON i.check_name = w.check_name AND i.part = w.part AND i.match_key = w.key
  UNION ALL
  SELECT w.check_name, w.rank, i.source, i.record_id
  FROM worse AS w
  JOIN keyed_inputs AS i
    ON i.check_name = w.check_name AND i.part = w.part AND i.match_key = w.mapped_key
), ranked AS (
  SELECT v.entity_type, v.entity_key, v.check_name, COALESCE(MAX(w.rank), 1) AS rank
  FROM involved AS v
  LEFT JOIN (
    SELECT r.entity_type, r.entity_key, wr.check_name, wr.rank
    FROM worse_records AS wr
    JOIN tonight_entity_records AS r ON r.source = wr.source AND r.record_id = wr.record_id
  ) AS w
    ON w.entity_type = v.entity_type AND w.entity_key = v.entity_key
   AND w.check_name = v.check_name
  GROUP BY v.entity_type, v.entity_key, v.check_name
), statuses AS (
  SELECT entity_type, entity_key, check_name,
         CASE rank
           WHEN 4 THEN 'broken' WHEN 3 THEN 'open'
           WHEN 2 THEN 'matched_within_tolerance' ELSE 'matched'
         END AS status
  FROM ranked
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

DROP TABLE keyed_inputs;
