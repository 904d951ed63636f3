SELECT 'ledger_entries' AS source, entry_id AS record_id, currency,
       debit_minor + credit_minor AS money
FROM ledger_entries WHERE business_date = $recon_date
