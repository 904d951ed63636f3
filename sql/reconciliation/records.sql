-- Every record of the universe and the one matched_ledger row it belongs to: its order, its
-- POS store-day or its payout (a ledger line by its reference). money_minor is the money
-- the conservation check adds up (ledger: debit + credit).
CREATE OR REPLACE TEMPORARY TABLE records AS
SELECT 'storefront_orders' AS source, event_id AS record_id, business_date,
       'order' AS entity_type, order_id AS entity_key, currency, amount_minor AS money_minor
FROM u_storefront_orders
UNION ALL
SELECT 'pos_transactions', txn_id, business_date, 'order', order_id, currency, amount_minor
FROM u_pos_transactions
UNION ALL
SELECT 'oms_orders', order_id, business_date, 'order', order_id, currency, amount_minor
FROM u_oms_orders
UNION ALL
SELECT 'processor_transactions', psp_reference, business_date, 'order', order_ref, currency,
       amount_minor
FROM u_processor_transactions
UNION ALL
SELECT 'processor_settlements', settlement_line_id, business_date, 'payout', payout_id,
       currency, gross_minor
FROM u_processor_settlements
UNION ALL
SELECT 'shipments', shipment_id, business_date, 'order', order_ref, CAST(NULL AS VARCHAR), 0
FROM u_shipments
UNION ALL
SELECT 'ledger_entries', entry_id, business_date, belongs_to, reference, currency,
       debit_minor + credit_minor
FROM ledger;
