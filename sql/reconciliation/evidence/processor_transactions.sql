SELECT 'processor_transactions' AS source, s.psp_reference AS record_id, s.business_date,
       json_object('amount_minor', s.amount_minor, 'currency', s.currency,
                   'event_ts', s.event_ts, 'fee_minor', s.fee_minor,
                   'order_ref', s.order_ref, 'processor', s.processor,
                   'psp_reference', s.psp_reference, 'txn_type', s.txn_type) AS fields
FROM processor_transactions AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.psp_reference IN (
    SELECT record_id FROM open_part_records WHERE source = 'processor_transactions'
  )
