-- Orders touched tonight per currency: how many and their sale money, and how many (and how
-- much) tied on every leg they take part in. A leg an order does not take part in has no status.
WITH orders AS (
    SELECT
        currency,
        sale_amount_minor,
        COALESCE(status_sale_vs_oms, '') NOT IN ('open', 'broken')
        AND COALESCE(status_sale_vs_capture, '') NOT IN ('open', 'broken')
        AND COALESCE(status_capture_vs_settlement, '') NOT IN ('open', 'broken')
        AND COALESCE(status_sale_vs_shipment, '') NOT IN ('open', 'broken')
        AND COALESCE(status_web_sale_vs_ledger, '') NOT IN ('open', 'broken')
        AND COALESCE(status_pos_takings_vs_ledger, '') NOT IN ('open', 'broken')
        AND COALESCE(status_refund_vs_processor_vs_ledger, '') NOT IN ('open', 'broken')
        AND COALESCE(status_payout_vs_bank, '') NOT IN ('open', 'broken') AS tied
    FROM matched_ledger
    WHERE recon_date = $recon_date AND entity_type = 'order'
)
SELECT
    currency,
    COUNT(*) AS orders,
    COALESCE(SUM(sale_amount_minor), 0) AS sale_minor,
    COUNT(*) FILTER (WHERE tied) AS tied_orders,
    COALESCE(SUM(sale_amount_minor) FILTER (WHERE tied), 0) AS tied_minor
FROM orders
GROUP BY currency
ORDER BY currency NULLS LAST;
