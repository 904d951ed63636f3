-- Every stored record of the trace's own keys, in every source, with its business date and
-- money; `fields` is the whole row. Records a leg reached only through a mapping (another
-- spelling of the key) come in through fact_records.
WITH own AS (
    SELECT key FROM trace_keys WHERE own
),
linked AS (
    SELECT DISTINCT source, record_id FROM fact_records WHERE key IN (SELECT key FROM own)
),
store_day AS (
    SELECT split_part(key, ':', 2) AS store_id,
           TRY_CAST(split_part(key, ':', 3) AS DATE) AS business_date
    FROM trace_keys WHERE relation = 'asked' AND key LIKE 'POS:%:%'
)
SELECT 'storefront_orders' AS source, event_id AS record_id, business_date,
       event_type || ' by ' || payment_method AS what, amount_minor, currency, units,
       to_json(s) AS fields
FROM storefront_orders AS s
WHERE order_id IN (SELECT key FROM own)
   OR event_id IN (SELECT record_id FROM linked WHERE source = 'storefront_orders')
UNION ALL
SELECT 'pos_transactions', txn_id, business_date,
       txn_type || ' at ' || store_id || ' by ' || tender, amount_minor, currency, units,
       to_json(s)
FROM pos_transactions AS s
WHERE order_id IN (SELECT key FROM own)
   OR psp_reference IN (SELECT key FROM own)
   OR (store_id, business_date) IN (SELECT (store_id, business_date) FROM store_day)
   OR txn_id IN (SELECT record_id FROM linked WHERE source = 'pos_transactions')
UNION ALL
SELECT 'oms_orders', order_id, business_date, channel || ' order', amount_minor, currency,
       units, to_json(s)
FROM oms_orders AS s
WHERE order_id IN (SELECT key FROM own)
   OR order_id IN (SELECT record_id FROM linked WHERE source = 'oms_orders')
UNION ALL
SELECT 'processor_transactions', psp_reference, business_date, processor || ' ' || txn_type,
       amount_minor, currency, NULL, to_json(s)
FROM processor_transactions AS s
WHERE order_ref IN (SELECT key FROM own)
   OR psp_reference IN (SELECT key FROM own)
   OR psp_reference IN (SELECT record_id FROM linked WHERE source = 'processor_transactions')
UNION ALL
SELECT 'processor_settlements', settlement_line_id, business_date, 'settled in ' || payout_id,
       gross_minor, currency, NULL, to_json(s)
FROM processor_settlements AS s
WHERE psp_reference IN (SELECT key FROM own)
   OR payout_id IN (SELECT key FROM own)
   OR settlement_line_id IN (
       SELECT record_id FROM linked WHERE source = 'processor_settlements')
UNION ALL
SELECT 'shipments', shipment_id, business_date, 'shipped by ' || COALESCE(carrier, '?'),
       NULL, NULL, units, to_json(s)
FROM shipments AS s
WHERE order_ref IN (SELECT key FROM own)
   OR shipment_id IN (SELECT record_id FROM linked WHERE source = 'shipments')
UNION ALL
SELECT 'ledger_entries', entry_id, business_date,
       CASE WHEN debit_minor > 0 THEN 'debit ' ELSE 'credit ' END || account,
       debit_minor + credit_minor, currency, NULL, to_json(s)
FROM ledger_entries AS s
WHERE reference IN (SELECT key FROM own)
   OR entry_id IN (SELECT record_id FROM linked WHERE source = 'ledger_entries')
ORDER BY business_date, source, record_id;
