SELECT 'processor_settlements' AS source, settlement_line_id AS record_id, business_date,
       psp_reference AS key
FROM processor_settlements
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
UNION ALL
SELECT 'processor_settlements' AS source, settlement_line_id AS record_id, business_date,
       payout_id AS key
FROM processor_settlements
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
