SELECT 'pos_transactions' AS source, txn_id AS record_id, business_date, order_id AS key
FROM pos_transactions
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
UNION ALL
SELECT 'pos_transactions' AS source, txn_id AS record_id, business_date,
       'POS:' || store_id || ':' || CAST(business_date AS VARCHAR) AS key
FROM pos_transactions
WHERE $has_history AND business_date BETWEEN $window_start AND $recon_date
