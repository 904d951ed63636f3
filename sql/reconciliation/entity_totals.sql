-- Every record of tonight's entities, with the matched_ledger row it belongs to.
CREATE OR REPLACE TEMPORARY TABLE tonight_entity_records AS
SELECT r.*
FROM records AS r
JOIN evaluated_entities AS e ON e.entity_type = r.entity_type AND e.entity_key = r.entity_key;

DROP TABLE records;

-- Every system side by side for each row of tonight's matched_ledger. Each system is summed
-- over tonight's rows only (not the whole lookback window).
CREATE OR REPLACE TEMPORARY TABLE tonight_entity_totals AS
WITH evaluated_orders AS (
  SELECT entity_key FROM evaluated_entities WHERE entity_type = 'order'
), order_sales AS (
  SELECT order_id, MIN(channel) AS channel, MIN(store_id) AS store_id, MIN(currency) AS currency,
         SUM(amount_minor) AS sale_amount_minor, SUM(units) AS sale_units
  FROM sales WHERE order_id IN (SELECT entity_key FROM evaluated_orders) GROUP BY order_id
), order_refunds AS (
  SELECT order_id, MIN(currency) AS currency, SUM(amount_minor) AS refunded_minor
  FROM refunds WHERE order_id IN (SELECT entity_key FROM evaluated_orders) GROUP BY order_id
), oms AS (
  SELECT order_id, MIN(channel) AS channel, MIN(currency) AS currency,
         SUM(amount_minor) AS oms_amount_minor
  FROM u_oms_orders WHERE order_id IN (SELECT entity_key FROM evaluated_orders)
  GROUP BY order_id
), processor AS (
  SELECT order_ref, MIN(currency) AS currency,
         SUM(CASE WHEN txn_type = 'capture' THEN amount_minor ELSE 0 END) AS captured_minor,
         SUM(CASE WHEN txn_type = 'capture' THEN 1 ELSE 0 END) AS capture_count,
         SUM(CASE WHEN txn_type = 'refund' THEN amount_minor ELSE 0 END)
           AS processor_refunded_minor
  FROM u_processor_transactions WHERE order_ref IN (SELECT entity_key FROM evaluated_orders)
  GROUP BY order_ref
), order_settled AS (
  SELECT t.order_ref, SUM(s.gross_minor) AS settled_gross_minor,
         SUM(s.fee_minor) AS settled_fee_minor
  FROM u_processor_settlements AS s
  JOIN u_processor_transactions AS t ON t.psp_reference = s.psp_reference
  WHERE t.order_ref IN (SELECT entity_key FROM evaluated_orders)
  GROUP BY t.order_ref
), shipped AS (
  SELECT order_ref, SUM(units) AS shipped_units FROM u_shipments
  WHERE order_ref IN (SELECT entity_key FROM evaluated_orders)
  GROUP BY order_ref
), store_days AS (
  SELECT 'POS:' || store_id || ':' || CAST(business_date AS VARCHAR) AS entity_key,
         MIN(store_id) AS store_id, MIN(currency) AS currency,
         SUM(CASE WHEN kind = 'sale' THEN amount_minor ELSE 0 END) AS sale_amount_minor,
         SUM(CASE WHEN kind = 'sale' THEN units ELSE 0 END) AS sale_units,
         SUM(CASE WHEN kind = 'refund' THEN amount_minor ELSE 0 END) AS refunded_minor
  FROM (
    SELECT store_id, business_date, currency, amount_minor, units, 'sale' AS kind
    FROM sales WHERE channel = 'pos'
    UNION ALL
    SELECT store_id, business_date, currency, amount_minor, 0, 'refund'
    FROM refunds WHERE channel = 'pos'
  ) AS takings
  GROUP BY 1
), payouts AS (
  SELECT payout_id, MIN(currency) AS currency, SUM(gross_minor) AS settled_gross_minor,
         SUM(fee_minor) AS settled_fee_minor
  FROM u_processor_settlements
  WHERE payout_id IN (SELECT entity_key FROM evaluated_entities WHERE entity_type = 'payout')
  GROUP BY payout_id
), posted AS (
  SELECT belongs_to, reference, MIN(currency) AS currency,
         SUM(CASE WHEN account = $sales_account THEN credit_minor - debit_minor ELSE 0 END)
           AS ledger_revenue_minor,
         SUM(CASE WHEN account = $refunds_account THEN debit_minor - credit_minor ELSE 0 END)
           AS ledger_refund_minor,
         SUM(CASE WHEN account = $bank_account THEN debit_minor - credit_minor ELSE 0 END)
           AS ledger_bank_minor,
         SUM(CASE WHEN account = $fees_account THEN debit_minor - credit_minor ELSE 0 END)
           AS ledger_fee_minor
  FROM ledger
  WHERE reference IN (SELECT entity_key FROM evaluated_entities)
  GROUP BY belongs_to, reference
)
SELECT e.entity_type, e.entity_key,
       COALESCE(os.channel, oms.channel,
                CASE WHEN e.entity_type = 'store_day' THEN 'pos' END) AS channel,
       COALESCE(os.store_id, sd.store_id) AS store_id,
       COALESCE(os.currency, oms.currency, sd.currency, po.currency, p.currency, r.currency,
                led.currency) AS currency,
       -- each sum as matched_ledger stores it: DuckDB sums BIGINT into a 16-byte HUGEINT
       CAST(COALESCE(os.sale_amount_minor, sd.sale_amount_minor) AS BIGINT) AS sale_amount_minor,
       CAST(COALESCE(os.sale_units, sd.sale_units) AS BIGINT) AS sale_units,
       CAST(oms.oms_amount_minor AS BIGINT) AS oms_amount_minor,
       CAST(p.captured_minor AS BIGINT) AS captured_minor,
       CAST(p.capture_count AS BIGINT) AS capture_count,
       CAST(COALESCE(r.refunded_minor, sd.refunded_minor) AS BIGINT) AS refunded_minor,
       CAST(p.processor_refunded_minor AS BIGINT) AS processor_refunded_minor,
       CAST(COALESCE(st.settled_gross_minor, po.settled_gross_minor) AS BIGINT)
         AS settled_gross_minor,
       CAST(COALESCE(st.settled_fee_minor, po.settled_fee_minor) AS BIGINT) AS settled_fee_minor,
       CAST(sh.shipped_units AS BIGINT) AS shipped_units,
       CAST(led.ledger_revenue_minor AS BIGINT) AS ledger_revenue_minor,
       CAST(led.ledger_refund_minor AS BIGINT) AS ledger_refund_minor,
       CAST(led.ledger_bank_minor AS BIGINT) AS ledger_bank_minor,
       CAST(led.ledger_fee_minor AS BIGINT) AS ledger_fee_minor
FROM evaluated_entities AS e
LEFT JOIN order_sales AS os ON e.entity_type = 'order' AND os.order_id = e.entity_key
LEFT JOIN order_refunds AS r ON e.entity_type = 'order' AND r.order_id = e.entity_key
LEFT JOIN oms ON e.entity_type = 'order' AND oms.order_id = e.entity_key
LEFT JOIN processor AS p ON e.entity_type = 'order' AND p.order_ref = e.entity_key
LEFT JOIN order_settled AS st ON e.entity_type = 'order' AND st.order_ref = e.entity_key
LEFT JOIN shipped AS sh ON e.entity_type = 'order' AND sh.order_ref = e.entity_key
LEFT JOIN store_days AS sd ON e.entity_type = 'store_day' AND sd.entity_key = e.entity_key
LEFT JOIN payouts AS po ON e.entity_type = 'payout' AND po.payout_id = e.entity_key
LEFT JOIN posted AS led ON led.belongs_to = e.entity_type AND led.reference = e.entity_key;

-- What each record is (record_roles.sql) and which entities the night shows are summed now:
-- their tables give their memory back before matched_ledger's largest join.
DROP TABLE sales;
DROP TABLE refunds;
DROP TABLE ledger;
DROP TABLE evaluated_entities;
