SELECT 'processor_transactions' AS source, psp_reference AS record_id, currency,
       amount_minor AS money
FROM processor_transactions WHERE business_date = $recon_date
