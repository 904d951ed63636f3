-- sale <-> order management
SELECT 'sale_vs_oms' AS check_name, 'total' AS part, 'a' AS side, order_id AS key, business_date,
       currency, amount_minor AS quantity, amount_minor, 'sales' AS system,
       FALSE AS unknown_account, source, record_id, 'store:' || store_id AS sla_code
FROM sales
UNION ALL
SELECT 'sale_vs_oms', 'total', 'b', order_id, business_date, currency, amount_minor,
       amount_minor, 'oms', FALSE, 'oms_orders', order_id, CAST(NULL AS VARCHAR)
FROM u_oms_orders
