SELECT 'oms_orders' AS source, order_id AS record_id, currency, amount_minor AS money
FROM oms_orders WHERE business_date = $recon_date
