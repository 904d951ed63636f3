SELECT 'oms_orders' AS source, s.order_id AS record_id, s.business_date,
       json_object('amount_minor', s.amount_minor, 'channel', s.channel,
                   'created_ts', s.created_ts, 'currency', s.currency,
                   'order_id', s.order_id, 'units', s.units) AS fields
FROM oms_orders AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.order_id IN (SELECT record_id FROM open_part_records WHERE source = 'oms_orders')
