SELECT 'storefront_orders' AS source, event_id AS record_id, business_date, order_id AS key
FROM storefront_orders
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
