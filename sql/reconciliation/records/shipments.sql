-- a parcel carries no money
SELECT 'shipments' AS source, shipment_id AS record_id, business_date,
       'order' AS entity_type, order_ref AS entity_key, CAST(NULL AS VARCHAR) AS currency,
       0 AS money_minor
FROM u_shipments
