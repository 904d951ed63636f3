SELECT 'shipments' AS source, shipment_id AS record_id, CAST(NULL AS VARCHAR) AS currency,
       0 AS money
FROM shipments WHERE business_date = $recon_date
