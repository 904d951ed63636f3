-- The records one night reconciles, for one source (run once per source, with its table and
-- key column substituted): tonight's, the lookback window's records that share a key with
-- them or with a break left open (window_keys.sql), and older records of a break still open
-- last night (carried forward, so a break never vanishes).
CREATE OR REPLACE TEMPORARY TABLE universe_source AS
SELECT s.*
FROM source_table AS s
WHERE s.business_date = $recon_date
UNION ALL
SELECT s.*
FROM source_table AS s
JOIN relevant_records AS r
  ON r.source = $source_name AND r.record_id = s.record_key
 AND r.business_date = s.business_date
WHERE s.business_date >= $window_start AND s.business_date < $recon_date
UNION ALL
SELECT s.*
FROM source_table AS s
JOIN carried_records AS c
  ON c.record_id = s.record_key AND c.business_date = s.business_date
WHERE c.source = $source_name AND s.business_date >= $read_from
  AND s.business_date < $window_start;
