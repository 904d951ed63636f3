-- web sale <-> sales posting (sales account), reference = order id
SELECT 'web_sale_vs_ledger' AS check_name, 'revenue' AS part, 'a' AS side, order_id AS key,
       business_date, currency, amount_minor AS quantity, amount_minor, 'sales' AS system,
       FALSE AS unknown_account, source, record_id, CAST(NULL AS VARCHAR) AS sla_code
FROM sales WHERE channel = 'web'
UNION ALL
SELECT 'web_sale_vs_ledger', 'revenue', 'b', reference, business_date, currency,
       credit_minor - debit_minor, credit_minor - debit_minor, 'ledger', unknown_account,
       'ledger_entries', entry_id, CAST(NULL AS VARCHAR)
FROM ledger
WHERE belongs_to = 'order'
  AND (account = $sales_account OR (unknown_account AND credit_minor >= debit_minor))
