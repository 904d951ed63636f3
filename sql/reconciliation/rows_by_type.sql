-- Tonight's matched_ledger rows per entity type (orders, payouts, store-days).
SELECT entity_type, COUNT(*) AS n FROM matched_ledger WHERE recon_date = $d
GROUP BY ALL ORDER BY ALL;
