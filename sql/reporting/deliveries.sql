-- Which sources delivered a file for the night (a source with no row did not run).
SELECT source, delivered, row_count
FROM source_deliveries
WHERE business_date = $recon_date
ORDER BY source;
