-- One row per order, POS store-day and payout touched tonight, every system side by side,
-- with the status of each leg (the worst over the leg's keys that involve the row).
CREATE OR REPLACE TEMPORARY TABLE tonight_matched_ledger AS
WITH ranked AS (
  SELECT r.entity_type, r.entity_key, f.check_name,
         MAX(CASE
               WHEN f.class IN ('mapping', 'genuine_error') THEN 4
               WHEN f.class = 'timing' THEN 3
               WHEN f.kind = 'matched_within_tolerance' THEN 2
               ELSE 1
             END) AS rank
  FROM tonight_fact_records AS fr
  JOIN tonight_facts AS f ON f.check_name = fr.check_name AND f.key = fr.key AND f.part = fr.part
  JOIN tonight_entity_records AS r ON r.source = fr.source AND r.record_id = fr.record_id
  GROUP BY r.entity_type, r.entity_key, f.check_name
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
