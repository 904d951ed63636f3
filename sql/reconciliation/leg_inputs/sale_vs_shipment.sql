-- sale <-> shipment, in units (a cancel is evidence and expects nothing to ship)
SELECT 'sale_vs_shipment' AS check_name, 'units' AS part, 'a' AS side, s.order_id AS key,
       s.business_date, s.currency,
       CASE WHEN c.order_id IS NULL THEN s.units ELSE 0 END AS quantity, s.amount_minor,
       'sales' AS system, FALSE AS unknown_account, s.source, s.record_id,
       'store:' || s.store_id AS sla_code
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
