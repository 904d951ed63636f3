SELECT 'pos_transactions' AS source, txn_id AS record_id, currency, amount_minor AS money
FROM pos_transactions WHERE business_date = $recon_date
