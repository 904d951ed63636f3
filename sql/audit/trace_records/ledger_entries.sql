SELECT 'ledger_entries' AS source, entry_id AS record_id, business_date,
       CASE WHEN debit_minor > 0 THEN 'debit ' ELSE 'credit ' END || account AS what,
       debit_minor + credit_minor AS amount_minor, currency, NULL AS units,
       to_json(s) AS fields
FROM ledger_entries AS s
WHERE reference IN (SELECT key FROM own)
   OR entry_id IN (SELECT record_id FROM linked WHERE source = 'ledger_entries')
