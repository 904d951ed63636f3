-- Orders touched tonight per currency, and their sale money, split three ways that add up:
-- tied end to end (every leg matched, within tolerance or accepted), in flight (timing breaks
-- only) and needing a person (a genuine_error or mapping break on a leg that involves them).
WITH order_breaks AS (
    SELECT
        r.entity_key,
        MAX(CASE
            WHEN cv.class IN ('genuine_error', 'mapping') THEN 2
            WHEN cv.class = 'timing' THEN 1
            ELSE 0
        END) AS worst
    FROM classified_variances AS cv
    JOIN fact_records AS fr
        ON fr.recon_date = cv.recon_date AND fr.check_name = cv.check_name AND fr.key = cv.key
    JOIN entity_records AS r
        ON r.recon_date = fr.recon_date AND r.source = fr.source AND r.record_id = fr.record_id
    WHERE cv.recon_date = $recon_date AND fr.recon_date = $recon_date
        AND r.recon_date = $recon_date AND r.entity_type = 'order'
    GROUP BY r.entity_key
), orders AS (
    SELECT m.currency, m.sale_amount_minor, COALESCE(b.worst, 0) AS worst
    FROM matched_ledger AS m
    LEFT JOIN order_breaks AS b ON b.entity_key = m.entity_key
    WHERE m.recon_date = $recon_date AND m.entity_type = 'order'
)
SELECT
    currency,
    COUNT(*) AS orders,
    COALESCE(SUM(sale_amount_minor), 0) AS sale_minor,
    COUNT(*) FILTER (WHERE worst = 0) AS tied_orders,
    COALESCE(SUM(sale_amount_minor) FILTER (WHERE worst = 0), 0) AS tied_minor,
    COUNT(*) FILTER (WHERE worst = 1) AS in_flight_orders,
    COUNT(*) FILTER (WHERE worst = 2) AS needs_a_person_orders
FROM orders
GROUP BY currency
ORDER BY currency NULLS LAST;
