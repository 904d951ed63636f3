-- The run replaces this partition: its stored rows are hidden now and deleted on publishing.
DELETE FROM replaced_table
WHERE partition_date = $partition_date AND part_value IS NOT DISTINCT FROM $part_value;
INSERT INTO replaced_table VALUES ($partition_date, $part_value);
