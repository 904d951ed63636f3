SELECT 'storefront_orders' AS source, event_id AS record_id, business_date,
       'order' AS entity_type, order_id AS entity_key, currency, amount_minor AS money_minor
FROM u_storefront_orders
