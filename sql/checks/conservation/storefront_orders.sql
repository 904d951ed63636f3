SELECT 'storefront_orders' AS source, event_id AS record_id, currency, amount_minor AS money
FROM storefront_orders WHERE business_date = $recon_date
