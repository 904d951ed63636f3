SELECT 'pos_transactions' AS source, txn_id AS record_id, business_date,
       txn_type || ' at ' || store_id || ' by ' || tender AS what, amount_minor, currency,
       units, to_json(s) AS fields
FROM pos_transactions AS s
WHERE order_id IN (SELECT key FROM own)
   OR psp_reference IN (SELECT key FROM own)
   OR (store_id, business_date) IN (SELECT (store_id, business_date) FROM store_day)
   OR txn_id IN (SELECT record_id FROM linked WHERE source = 'pos_transactions')
