SELECT 'ledger_entries' AS source, entry_id AS record_id, business_date, reference AS key
FROM ledger_entries
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
