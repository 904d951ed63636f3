-- The keys a trace follows from the key asked for ($key: an order id, a psp reference, a
-- payout id or a POS store-day). `own` keys are the ones whose records are listed; the other
-- keys are legs the money passes through on another level (the payout that carried a
-- payment, the store-day that took a till sale): their status and breaks are shown too.
CREATE OR REPLACE TEMPORARY TABLE trace_keys AS
WITH order_payments AS (
    SELECT psp_reference AS key FROM processor_transactions WHERE order_ref = $key
    UNION
    SELECT psp_reference FROM pos_transactions
    WHERE order_id = $key AND psp_reference IS NOT NULL
    UNION
    -- a capture filed under another spelling of the order id, linked by a mapping break
    SELECT record_id FROM fact_records WHERE key = $key AND source = 'processor_transactions'
),
payment_orders AS (
    SELECT order_ref AS key FROM processor_transactions WHERE psp_reference = $key
    UNION
    SELECT order_id FROM pos_transactions WHERE psp_reference = $key
),
payouts AS (
    SELECT DISTINCT payout_id AS key FROM processor_settlements
    WHERE psp_reference = $key OR psp_reference IN (SELECT key FROM order_payments)
),
store_days AS (
    SELECT DISTINCT 'POS:' || store_id || ':' || strftime(business_date, '%Y-%m-%d') AS key
    FROM pos_transactions WHERE order_id = $key
)
SELECT CAST($key AS VARCHAR) AS key, 'asked' AS relation, TRUE AS own
UNION
SELECT key, 'payment', TRUE FROM order_payments WHERE key <> $key
UNION
SELECT key, 'order', FALSE FROM payment_orders WHERE key <> $key
UNION
SELECT key, 'payout', FALSE FROM payouts WHERE key <> $key
UNION
SELECT key, 'store_day', FALSE FROM store_days WHERE key <> $key;

SELECT * FROM trace_keys ORDER BY own DESC, key;
