-- The records of tonight's entities the legs did not read (entity_members.sql), added to one
-- source's universe (run once per source, like universe.sql).
INSERT INTO universe_source
SELECT s.*
FROM source_table AS s
JOIN member_records AS m
  ON m.source = $source_name AND m.record_id = s.record_key
 AND m.business_date = s.business_date
WHERE s.business_date >= $window_start AND s.business_date < $recon_date;
