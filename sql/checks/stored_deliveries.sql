-- The landing files each earlier night was reconciled with: a changed file makes it stale.
SELECT business_date, source, file_name, file_size, file_mtime_ns, file_sha256
FROM source_deliveries WHERE business_date >= $first AND business_date < $night;
