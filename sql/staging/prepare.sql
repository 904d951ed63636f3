-- One night table's staging for this run: the rows the run writes (same columns, none yet),
-- the partitions it replaces (a date, and for some tables a source or step), and the table
-- as the run reads it: the stored rows less the replaced partitions, plus the staged rows.
CREATE TABLE IF NOT EXISTS staged_table AS SELECT * FROM stored_table LIMIT 0;
CREATE TABLE IF NOT EXISTS replaced_table (partition_date DATE NOT NULL, part_value VARCHAR);
CREATE OR REPLACE VIEW night_table AS
SELECT * FROM stored_table AS stored
WHERE NOT EXISTS (
    SELECT 1 FROM replaced_table AS r
    WHERE r.partition_date = stored.date_column
      AND (r.part_value IS NULL OR r.part_value = CAST(stored.part_column AS VARCHAR))
)
UNION ALL BY NAME
SELECT * FROM staged_table;
