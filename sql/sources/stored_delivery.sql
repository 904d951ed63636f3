-- The file a source delivered for a night, if that night is stored.
SELECT file_name FROM source_deliveries
WHERE business_date = $d AND source = $s AND delivered;
