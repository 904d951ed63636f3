SELECT 'processor_settlements' AS source, s.settlement_line_id AS record_id, s.business_date,
       json_object('currency', s.currency, 'fee_minor', s.fee_minor,
                   'gross_minor', s.gross_minor, 'net_minor', s.net_minor,
                   'payout_id', s.payout_id, 'psp_reference', s.psp_reference,
                   'settled_date', s.settled_date,
                   'settlement_line_id', s.settlement_line_id) AS fields
FROM processor_settlements AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.settlement_line_id IN (
    SELECT record_id FROM open_part_records WHERE source = 'processor_settlements'
  )
