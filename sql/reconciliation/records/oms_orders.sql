SELECT 'oms_orders' AS source, order_id AS record_id, business_date,
       'order' AS entity_type, order_id AS entity_key, currency, amount_minor AS money_minor
FROM u_oms_orders
