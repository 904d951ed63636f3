SELECT 'processor_settlements' AS source, settlement_line_id AS record_id, business_date,
       'payout' AS entity_type, payout_id AS entity_key, currency, gross_minor AS money_minor
FROM u_processor_settlements
