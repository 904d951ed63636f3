SELECT 'processor_settlements' AS source, settlement_line_id AS record_id, currency,
       gross_minor AS money
FROM processor_settlements WHERE business_date = $recon_date
