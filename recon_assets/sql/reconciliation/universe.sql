-- The records one night reconciles, for one source (run once per source, with its table and
-- key column substituted): every record of the lookback window, plus older records that
-- belong to a break still open last night (carried forward, so a break never vanishes).
CREATE OR REPLACE TEMPORARY TABLE universe_source AS
SELECT s.*
FROM source_table AS s
WHERE s.business_date BETWEEN $window_start AND $recon_date
UNION ALL
SELECT s.*
FROM source_table AS s
JOIN carried_records AS c
  ON c.record_id = s.record_key AND c.business_date = s.business_date
WHERE c.source = $source_name AND s.business_date < $window_start;
