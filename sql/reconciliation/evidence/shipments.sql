SELECT 'shipments' AS source, s.shipment_id AS record_id, s.business_date,
       json_object('carrier', s.carrier, 'order_ref', s.order_ref,
                   'shipment_id', s.shipment_id, 'shipped_ts', s.shipped_ts,
                   'tracking', s.tracking, 'units', s.units) AS fields
FROM shipments AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.shipment_id IN (SELECT record_id FROM open_part_records WHERE source = 'shipments')
