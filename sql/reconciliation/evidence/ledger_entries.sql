SELECT 'ledger_entries' AS source, s.entry_id AS record_id, s.business_date,
       json_object('account', s.account, 'credit_minor', s.credit_minor,
                   'currency', s.currency, 'debit_minor', s.debit_minor,
                   'entry_id', s.entry_id, 'memo', s.memo, 'posting_date', s.posting_date,
                   'reference', s.reference) AS fields
FROM ledger_entries AS s
WHERE s.business_date BETWEEN $earliest AND $recon_date
  AND s.entry_id IN (SELECT record_id FROM open_part_records WHERE source = 'ledger_entries')
