SELECT 'storefront_orders' AS source, event_id AS record_id, business_date,
       event_type || ' by ' || payment_method AS what, amount_minor, currency, units,
       to_json(s) AS fields
FROM storefront_orders AS s
WHERE order_id IN (SELECT key FROM own)
   OR event_id IN (SELECT record_id FROM linked WHERE source = 'storefront_orders')
