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

-- The rows of tonight's matched_ledger: every entity with a record dated tonight or a record
-- in a break that is still open.
CREATE OR REPLACE TEMPORARY TABLE evaluated_entities AS
SELECT entity_type, entity_key FROM records WHERE business_date = $recon_date
UNION DISTINCT
SELECT r.entity_type, r.entity_key
FROM records AS r
JOIN kept_fact_records AS fr ON fr.source = r.source AND fr.record_id = r.record_id
JOIN open_legs AS o ON o.check_name = fr.check_name AND o.key = fr.key;

CREATE OR REPLACE TEMPORARY TABLE tonight_entity_records AS
SELECT r.*
FROM records AS r
JOIN evaluated_entities AS e ON e.entity_type = r.entity_type AND e.entity_key = r.entity_key;

DROP TABLE records;
