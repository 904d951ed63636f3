SELECT 'shipments' AS source, shipment_id AS record_id, business_date,
       'shipped by ' || COALESCE(carrier, '?') AS what, NULL AS amount_minor,
       NULL AS currency, units, to_json(s) AS fields
FROM shipments AS s
WHERE order_ref IN (SELECT key FROM own)
   OR shipment_id IN (SELECT record_id FROM linked WHERE source = 'shipments')
