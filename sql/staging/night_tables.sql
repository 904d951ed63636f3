-- The stored tables of the warehouse file and their columns (what a run stages).
SELECT table_name, list(column_name ORDER BY column_index) AS columns
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main'
GROUP BY table_name
ORDER BY table_name;
