-- sale <-> processor capture (card and PayPal tender)
SELECT 'sale_vs_capture' AS check_name, 'total' AS part, 'a' AS side, order_id AS key,
       business_date, currency, amount_minor AS quantity, amount_minor, 'sales' AS system,
       FALSE AS unknown_account, source, record_id, 'store:' || store_id AS sla_code
FROM sales WHERE tender IN ('card', 'paypal')
UNION ALL
SELECT 'sale_vs_capture', 'total', 'b', order_ref, business_date, currency, amount_minor,
       amount_minor, processor, FALSE, 'processor_transactions', psp_reference,
       'processor:' || processor
FROM u_processor_transactions WHERE txn_type = 'capture'
