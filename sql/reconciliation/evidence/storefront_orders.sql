SELECT 'storefront_orders' AS source, s.event_id AS record_id, s.business_date,
       json_object('amount_minor', s.amount_minor, 'currency', s.currency,
                   'event_id', s.event_id, 'event_ts', s.event_ts,
                   'event_type', s.event_type, 'order_id', s.order_id,
                   'payment_method', s.payment_method, 'units', s.units) AS fields
FROM storefront_orders AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.event_id IN (SELECT record_id FROM open_part_records WHERE source = 'storefront_orders')
