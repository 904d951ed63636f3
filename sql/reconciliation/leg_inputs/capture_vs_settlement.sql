-- capture, refund or chargeback <-> settlement line (signed gross)
SELECT 'capture_vs_settlement' AS check_name, 'gross' AS part, 'a' AS side,
       psp_reference AS key, business_date, currency,
       CASE WHEN txn_type = 'capture' THEN amount_minor ELSE -amount_minor END AS quantity,
       amount_minor, processor AS system, FALSE AS unknown_account,
       'processor_transactions' AS source, psp_reference AS record_id,
       'processor:' || processor AS sla_code
FROM u_processor_transactions
UNION ALL
SELECT 'capture_vs_settlement', 'gross', 'b', psp_reference, business_date, currency,
       gross_minor, ABS(gross_minor), 'settlements', FALSE, 'processor_settlements',
       settlement_line_id, CAST(NULL AS VARCHAR)
FROM u_processor_settlements
-- a fee of the payout itself (gross 0, no transaction: an Adyen batch fee) needs no
-- transaction; the payout leg checks it with the payout's fees
WHERE gross_minor <> 0 OR psp_reference <> settlement_line_id
