-- Every record of the night's universe, once per leg side it takes part in (DESIGN.md s.5).
-- side 'a' starts the leg (what is expected), side 'b' is the counterpart.
-- quantity is what the leg compares (money in minor units, or units for shipments);
-- amount_minor is the money at stake; sla_code names the processor or store whose SLA
-- (rules/timing.yaml overrides) applies when the record starts a break.
-- Each record also gets the key it matches on: its own, or for a counterpart system with a
-- configured mapping (rules/mappings.yaml) its key normalised to that level, the same steps
-- as norm1..norm4 of leg_facts.sql.
CREATE OR REPLACE TEMPORARY TABLE leg_inputs AS
SELECT i.*,
       CASE
         WHEN i.side = 'a' OR m.level IS NULL THEN i.key
         WHEN m.level = 1 THEN LOWER(TRIM(i.key))
         WHEN m.level = 2 THEN REPLACE(LOWER(TRIM(i.key)), '#', '')
         WHEN m.level = 3
           THEN REGEXP_REPLACE(REPLACE(LOWER(TRIM(i.key)), '#', ''), '^[a-z]+[-_ ]', '')
         ELSE REGEXP_REPLACE(
           REGEXP_REPLACE(REPLACE(LOWER(TRIM(i.key)), '#', ''), '^[a-z]+[-_ ]', ''), '^0+', '')
       END AS match_key
FROM (
-- sale <-> order management
SELECT 'sale_vs_oms' AS check_name, 'total' AS part, 'a' AS side, order_id AS key, business_date,
       currency, amount_minor AS quantity, amount_minor, 'sales' AS system,
       FALSE AS unknown_account, source, record_id, 'store:' || store_id AS sla_code
FROM sales
UNION ALL
SELECT 'sale_vs_oms', 'total', 'b', order_id, business_date, currency, amount_minor,
       amount_minor, 'oms', FALSE, 'oms_orders', order_id, CAST(NULL AS VARCHAR)
FROM u_oms_orders
-- sale <-> processor capture (card and PayPal tender)
UNION ALL
SELECT 'sale_vs_capture', 'total', 'a', order_id, business_date, currency, amount_minor,
       amount_minor, 'sales', FALSE, source, record_id, 'store:' || store_id
FROM sales WHERE tender IN ('card', 'paypal')
UNION ALL
SELECT 'sale_vs_capture', 'total', 'b', order_ref, business_date, currency, amount_minor,
       amount_minor, processor, FALSE, 'processor_transactions', psp_reference,
       'processor:' || processor
FROM u_processor_transactions WHERE txn_type = 'capture'
-- capture, refund or chargeback <-> settlement line (signed gross)
UNION ALL
SELECT 'capture_vs_settlement', 'gross', 'a', psp_reference, business_date, currency,
       CASE WHEN txn_type = 'capture' THEN amount_minor ELSE -amount_minor END,
       amount_minor, processor, FALSE, 'processor_transactions', psp_reference,
       'processor:' || processor
FROM u_processor_transactions
UNION ALL
SELECT 'capture_vs_settlement', 'gross', 'b', psp_reference, business_date, currency,
       gross_minor, ABS(gross_minor), 'settlements', FALSE, 'processor_settlements',
       settlement_line_id, CAST(NULL AS VARCHAR)
FROM u_processor_settlements
-- a fee of the payout itself (gross 0, no transaction: an Adyen batch fee) needs no
-- transaction; the payout leg checks it with the payout's fees
WHERE gross_minor <> 0 OR psp_reference <> settlement_line_id
-- sale <-> shipment, in units (a cancel is evidence and expects nothing to ship)
UNION ALL
SELECT 'sale_vs_shipment', 'units', 'a', s.order_id, s.business_date, s.currency,
       CASE WHEN c.order_id IS NULL THEN s.units ELSE 0 END, s.amount_minor, 'sales', FALSE,
       s.source, s.record_id, 'store:' || s.store_id
FROM sales AS s LEFT JOIN cancelled_before_shipment AS c ON c.order_id = s.order_id
WHERE s.channel = 'web' OR s.fulfilment = 'ship'
UNION ALL
SELECT 'sale_vs_shipment', 'units', 'a', r.order_id, r.business_date, r.currency, 0, 0,
       'sales', FALSE, r.source, r.record_id, 'store:' || r.store_id
FROM refunds AS r JOIN cancelled_before_shipment AS c ON c.order_id = r.order_id
WHERE r.is_cancel
UNION ALL
SELECT 'sale_vs_shipment', 'units', 'b', order_ref, business_date, CAST(NULL AS VARCHAR), units,
       0, '3pl', FALSE, 'shipments', shipment_id, CAST(NULL AS VARCHAR)
FROM u_shipments
-- web sale <-> sales posting (sales account), reference = order id
UNION ALL
SELECT 'web_sale_vs_ledger', 'revenue', 'a', order_id, business_date, currency, amount_minor,
       amount_minor, 'sales', FALSE, source, record_id, CAST(NULL AS VARCHAR)
FROM sales WHERE channel = 'web'
UNION ALL
SELECT 'web_sale_vs_ledger', 'revenue', 'b', reference, business_date, currency,
       credit_minor - debit_minor, credit_minor - debit_minor, 'ledger', unknown_account,
       'ledger_entries', entry_id, CAST(NULL AS VARCHAR)
FROM ledger
WHERE belongs_to = 'order'
  AND (account = $sales_account OR (unknown_account AND credit_minor >= debit_minor))
-- POS store-day takings <-> one sales credit and one refunds debit
UNION ALL
SELECT 'pos_takings_vs_ledger', 'sales', 'a',
       'POS:' || store_id || ':' || CAST(business_date AS VARCHAR), business_date, currency,
       amount_minor, amount_minor, 'pos', FALSE, source, record_id, 'store:' || store_id
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
-- refund or cancel <-> processor refund (card, PayPal) and <-> refunds posting (web orders)
UNION ALL
SELECT 'refund_vs_processor_vs_ledger', 'processor', 'a', order_id, business_date, currency,
       amount_minor, amount_minor, 'refunds', FALSE, source, record_id, 'store:' || store_id
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
-- payout <-> bank (sum of net) and processor fees (sum of fees)
UNION ALL
SELECT 'payout_vs_bank', 'bank', 'a', payout_id, business_date, currency, net_minor,
       net_minor, 'settlements', FALSE, 'processor_settlements', settlement_line_id, CAST(NULL AS VARCHAR)
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
) AS i
LEFT JOIN key_mappings AS m ON m.system = i.system;
