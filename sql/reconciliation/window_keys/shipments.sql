SELECT 'shipments' AS source, shipment_id AS record_id, business_date, order_ref AS key
FROM shipments
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
