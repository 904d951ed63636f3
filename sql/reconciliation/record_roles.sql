-- What each record of the night's universe is: a sale or a refund (storefront and POS), and
-- where a ledger line belongs. Built for the legs, and again once the universe holds the
-- records of every entity tonight's matched_ledger shows (entity_members.sql).
CREATE OR REPLACE TEMPORARY TABLE sales AS
SELECT 'storefront_orders' AS source, event_id AS record_id, order_id, business_date, currency,
       amount_minor, units, payment_method AS tender, 'web' AS channel, 'ship' AS fulfilment,
       CAST(NULL AS VARCHAR) AS store_id
FROM u_storefront_orders WHERE event_type = 'order'
UNION ALL
SELECT 'pos_transactions', txn_id, order_id, business_date, currency, amount_minor, units,
       tender, 'pos', fulfilment, store_id
FROM u_pos_transactions WHERE txn_type = 'sale';

CREATE OR REPLACE TEMPORARY TABLE refunds AS
SELECT 'storefront_orders' AS source, event_id AS record_id, order_id, business_date, currency,
       amount_minor, payment_method AS tender, 'web' AS channel, event_type = 'cancel' AS is_cancel,
       CAST(NULL AS VARCHAR) AS store_id
FROM u_storefront_orders WHERE event_type IN ('refund', 'cancel')
UNION ALL
SELECT 'pos_transactions', txn_id, order_id, business_date, currency, amount_minor, tender,
       'pos', FALSE, store_id
FROM u_pos_transactions WHERE txn_type = 'refund';

CREATE OR REPLACE TEMPORARY TABLE payout_ids AS
SELECT DISTINCT payout_id FROM u_processor_settlements;

-- Where a ledger line belongs: a store-day, a payout, or (otherwise) an order.
CREATE OR REPLACE TEMPORARY TABLE ledger AS
SELECT l.*,
       l.account NOT IN (SELECT account FROM chart_accounts) AS unknown_account,
       CASE
         WHEN l.reference LIKE 'POS:%' THEN 'store_day'
         WHEN l.reference IN (SELECT payout_id FROM payout_ids) THEN 'payout'
         ELSE 'order'
       END AS belongs_to
FROM u_ledger_entries AS l;

-- An order cancelled before any shipment is not expected to ship.
CREATE OR REPLACE TEMPORARY TABLE cancelled_before_shipment AS
SELECT r.order_id
FROM refunds AS r
WHERE r.is_cancel
  AND NOT EXISTS (
    SELECT 1 FROM u_shipments AS sh
    WHERE sh.order_ref = r.order_id AND sh.business_date < r.business_date
  )
GROUP BY r.order_id;
