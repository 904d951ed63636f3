-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
-- Every record of a leg belongs to one of its facts, so a row takes part in a leg when one
-- of its records does ('matched' unless a fact of the leg says worse); only the few facts
-- that say worse are joined back to their records. A status is ranked by a small integer, so
-- the worst is the greatest (a number is cheaper than a word to group over 11M records at
-- 1M orders), and named once the row's worst is known.
WITH status_names AS (
  SELECT *
  FROM (VALUES (1, 'matched'), (2, 'matched_within_tolerance'), (3, 'open'), (4, 'broken'))
    AS n (status_rank, status)
), worse AS (
  SELECT p.leg, p.leg_part, f.key, f.mapped_key,
         CASE
           WHEN f.class IN ('mapping', 'genuine_error') THEN 4
           WHEN f.class = 'timing' THEN 3
           ELSE 2
         END AS status_rank
  FROM tonight_facts AS f
  JOIN leg_parts AS p ON p.check_name = f.check_name AND p.part = f.part
  WHERE f.class IS NOT NULL OR f.kind = 'matched_within_tolerance'
), ranked_records AS (
  SELECT i.leg, 1 AS status_rank, i.source, i.record_id FROM leg_inputs AS i
  UNION ALL
  SELECT w.leg, w.status_rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.key
  UNION ALL
  SELECT w.leg, w.status_rank, i.source, i.record_id
  FROM worse AS w
  JOIN leg_inputs AS i ON i.leg_part = w.leg_part AND i.match_key = w.mapped_key
), statuses AS (
  SELECT r.entity_type, r.entity_key, l.check_name, rr.status_rank
  FROM ranked_records AS rr
  JOIN (SELECT DISTINCT leg, check_name FROM leg_parts) AS l ON l.leg = rr.leg
  JOIN tonight_entity_records AS r ON r.source = rr.source AND r.record_id = rr.record_id
), by_row AS (
  -- one row per entity, a column per leg (pivoted before joining the row's totals, so the
  -- grouping is by the row's key alone)
  SELECT s.entity_type, s.entity_key,
    MAX(CASE WHEN s.check_name = 'sale_vs_oms' THEN s.status_rank END) AS rank_sale_vs_oms,
    MAX(CASE WHEN s.check_name = 'sale_vs_capture' THEN s.status_rank END) AS rank_sale_vs_capture,
    MAX(CASE WHEN s.check_name = 'capture_vs_settlement' THEN s.status_rank END)
      AS rank_capture_vs_settlement,
    MAX(CASE WHEN s.check_name = 'sale_vs_shipment' THEN s.status_rank END)
      AS rank_sale_vs_shipment,
    MAX(CASE WHEN s.check_name = 'web_sale_vs_ledger' THEN s.status_rank END)
      AS rank_web_sale_vs_ledger,
    MAX(CASE WHEN s.check_name = 'pos_takings_vs_ledger' THEN s.status_rank END)
      AS rank_pos_takings_vs_ledger,
    MAX(CASE WHEN s.check_name = 'refund_vs_processor_vs_ledger' THEN s.status_rank END)
      AS rank_refund_vs_processor_vs_ledger,
    MAX(CASE WHEN s.check_name = 'payout_vs_bank' THEN s.status_rank END) AS rank_payout_vs_bank
  FROM statuses AS s
  GROUP BY s.entity_type, s.entity_key
)
-- The row's totals, then its statuses by name.
SELECT t.*,
       (SELECT status FROM status_names WHERE status_rank = s.rank_sale_vs_oms)
         AS status_sale_vs_oms,
       (SELECT status FROM status_names WHERE status_rank = s.rank_sale_vs_capture)
         AS status_sale_vs_capture,
       (SELECT status FROM status_names WHERE status_rank = s.rank_capture_vs_settlement)
         AS status_capture_vs_settlement,
       (SELECT status FROM status_names WHERE status_rank = s.rank_sale_vs_shipment)
         AS status_sale_vs_shipment,
       (SELECT status FROM status_names WHERE status_rank = s.rank_web_sale_vs_ledger)
         AS status_web_sale_vs_ledger,
       (SELECT status FROM status_names WHERE status_rank = s.rank_pos_takings_vs_ledger)
         AS status_pos_takings_vs_ledger,
       (SELECT status FROM status_names WHERE status_rank = s.rank_refund_vs_processor_vs_ledger)
         AS status_refund_vs_processor_vs_ledger,
       (SELECT status FROM status_names WHERE status_rank = s.rank_payout_vs_bank)
         AS status_payout_vs_bank
FROM tonight_entity_totals AS t
LEFT JOIN by_row AS s ON s.entity_type = t.entity_type AND s.entity_key = t.entity_key;

DROP TABLE leg_inputs;
