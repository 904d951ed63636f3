SELECT 'oms_orders' AS source, order_id AS record_id, business_date,
       channel || ' order' AS what, amount_minor, currency, units, to_json(s) AS fields
FROM oms_orders AS s
WHERE order_id IN (SELECT key FROM own)
   OR order_id IN (SELECT record_id FROM linked WHERE source = 'oms_orders')
