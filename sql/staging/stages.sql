-- The staging schemas in the warehouse file: this run's, and those of runs that never
-- published (failed or killed), which the next run drops.
SELECT schema_name
FROM duckdb_schemas()
WHERE database_name = current_database() AND starts_with(schema_name, $prefix)
ORDER BY schema_name;
