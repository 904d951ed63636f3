SELECT 'processor_transactions' AS source, psp_reference AS record_id, business_date,
       processor || ' ' || txn_type AS what, amount_minor, currency, NULL AS units,
       to_json(s) AS fields
FROM processor_transactions AS s
WHERE order_ref IN (SELECT key FROM own)
   OR psp_reference IN (SELECT key FROM own)
   OR psp_reference IN (SELECT record_id FROM linked WHERE source = 'processor_transactions')
