SELECT 'processor_settlements' AS source, settlement_line_id AS record_id, business_date,
       'settled in ' || payout_id AS what, gross_minor AS amount_minor, currency,
       NULL AS units, to_json(s) AS fields
FROM processor_settlements AS s
WHERE psp_reference IN (SELECT key FROM own)
   OR payout_id IN (SELECT key FROM own)
   OR settlement_line_id IN (
       SELECT record_id FROM linked WHERE source = 'processor_settlements')
