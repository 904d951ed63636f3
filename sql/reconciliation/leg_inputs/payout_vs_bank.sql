-- payout <-> bank (sum of net) and processor fees (sum of fees)
SELECT 'payout_vs_bank' AS check_name, 'bank' AS part, 'a' AS side, payout_id AS key,
       business_date, currency, net_minor AS quantity, net_minor AS amount_minor,
       'settlements' AS system, FALSE AS unknown_account, 'processor_settlements' AS source,
       settlement_line_id AS record_id, CAST(NULL AS VARCHAR) AS sla_code
FROM u_processor_settlements
UNION ALL
SELECT 'payout_vs_bank', 'fees', 'a', payout_id, business_date, currency, fee_minor,
       fee_minor, 'settlements', FALSE, 'processor_settlements', settlement_line_id, CAST(NULL AS VARCHAR)
FROM u_processor_settlements
UNION ALL
SELECT 'payout_vs_bank', CASE WHEN account = $fees_account THEN 'fees' ELSE 'bank' END, 'b',
       reference, business_date, currency, debit_minor - credit_minor,
       debit_minor - credit_minor, 'ledger', unknown_account, 'ledger_entries', entry_id,
       CAST(NULL AS VARCHAR)
FROM ledger
WHERE account IN ($bank_account, $fees_account) OR (unknown_account AND belongs_to = 'payout')
