SELECT 'oms_orders' AS source, order_id AS record_id, business_date, order_id AS key
FROM oms_orders
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
