-- POS store-day takings <-> one sales credit and one refunds debit
SELECT 'pos_takings_vs_ledger' AS check_name, 'sales' AS part, 'a' AS side,
       'POS:' || store_id || ':' || CAST(business_date AS VARCHAR) AS key, business_date,
       currency, amount_minor AS quantity, amount_minor, 'pos' AS system,
       FALSE AS unknown_account, source, record_id, 'store:' || store_id AS sla_code
FROM sales WHERE channel = 'pos'
UNION ALL
SELECT 'pos_takings_vs_ledger', 'refunds', 'a',
       'POS:' || store_id || ':' || CAST(business_date AS VARCHAR), business_date, currency,
       amount_minor, amount_minor, 'pos', FALSE, source, record_id, 'store:' || store_id
FROM refunds WHERE channel = 'pos'
UNION ALL
SELECT 'pos_takings_vs_ledger',
       CASE WHEN account = $refunds_account OR (unknown_account AND debit_minor > credit_minor)
            THEN 'refunds' ELSE 'sales' END,
       'b', reference, business_date, currency,
       CASE WHEN account = $refunds_account OR (unknown_account AND debit_minor > credit_minor)
            THEN debit_minor - credit_minor ELSE credit_minor - debit_minor END,
       ABS(credit_minor - debit_minor), 'ledger', unknown_account, 'ledger_entries', entry_id,
       CAST(NULL AS VARCHAR)
FROM ledger
WHERE belongs_to = 'store_day' AND (account IN ($sales_account, $refunds_account) OR unknown_account)
