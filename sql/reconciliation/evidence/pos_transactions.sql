SELECT 'pos_transactions' AS source, s.txn_id AS record_id, s.business_date,
       json_object('amount_minor', s.amount_minor, 'currency', s.currency,
                   'event_ts', s.event_ts, 'fulfilment', s.fulfilment,
                   'order_id', s.order_id, 'psp_reference', s.psp_reference,
                   'store_id', s.store_id, 'tender', s.tender, 'txn_id', s.txn_id,
                   'txn_type', s.txn_type, 'units', s.units) AS fields
FROM pos_transactions AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.txn_id IN (SELECT record_id FROM open_part_records WHERE source = 'pos_transactions')
