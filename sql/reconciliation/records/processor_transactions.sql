SELECT 'processor_transactions' AS source, psp_reference AS record_id, business_date,
       'order' AS entity_type, order_ref AS entity_key, currency, amount_minor AS money_minor
FROM u_processor_transactions
