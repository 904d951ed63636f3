-- refund or cancel <-> processor refund (card, PayPal) and <-> refunds posting (web orders)
SELECT 'refund_vs_processor_vs_ledger' AS check_name, 'processor' AS part, 'a' AS side,
       order_id AS key, business_date, currency, amount_minor AS quantity, amount_minor,
       'refunds' AS system, FALSE AS unknown_account, source, record_id,
       'store:' || store_id AS sla_code
FROM refunds WHERE tender IN ('card', 'paypal')
UNION ALL
SELECT 'refund_vs_processor_vs_ledger', 'processor', 'b', order_ref, business_date, currency,
       amount_minor, amount_minor, processor, FALSE, 'processor_transactions', psp_reference,
       'processor:' || processor
FROM u_processor_transactions WHERE txn_type = 'refund'
UNION ALL
SELECT 'refund_vs_processor_vs_ledger', 'ledger', 'a', order_id, business_date, currency,
       amount_minor, amount_minor, 'refunds', FALSE, source, record_id, CAST(NULL AS VARCHAR)
FROM refunds WHERE channel = 'web'
UNION ALL
SELECT 'refund_vs_processor_vs_ledger', 'ledger', 'b', reference, business_date, currency,
       debit_minor - credit_minor, debit_minor - credit_minor, 'ledger', unknown_account,
       'ledger_entries', entry_id, CAST(NULL AS VARCHAR)
FROM ledger
WHERE belongs_to = 'order'
  AND (account = $refunds_account OR (unknown_account AND debit_minor > credit_minor))
