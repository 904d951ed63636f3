-- One night table published (inside the run's one publishing transaction): the partitions
-- the run replaced are deleted, then its staged rows inserted.
DELETE FROM stored_table AS stored
WHERE EXISTS (
    SELECT 1 FROM replaced_table AS r
    WHERE r.partition_date = stored.date_column
      AND (r.part_value IS NULL OR r.part_value = CAST(stored.part_column AS VARCHAR))
);
INSERT INTO stored_table BY NAME SELECT * FROM staged_table;
