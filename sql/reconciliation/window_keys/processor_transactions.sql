SELECT 'processor_transactions' AS source, psp_reference AS record_id, business_date,
       psp_reference AS key
FROM processor_transactions
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
UNION ALL
SELECT 'processor_transactions' AS source, psp_reference AS record_id, business_date,
       order_ref AS key
FROM processor_transactions
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
