-- What last reconciled night left open: the legs to re-evaluate tonight and their records.
-- Those older than the lookback window are read back by record id and business date
-- (universe.sql), which scans each source from the oldest of them to the window: a break
-- open for a year has tonight read a year of records (the open breaks' records are spread
-- over those days, so zone maps skip few of them).
CREATE OR REPLACE TEMPORARY TABLE prev_open AS
SELECT check_name, key
FROM leg_facts
WHERE recon_date = $prev_date AND class IS NOT NULL
UNION DISTINCT
SELECT check_name, mapped_key
FROM leg_facts
WHERE recon_date = $prev_date AND class IS NOT NULL AND mapped_key IS NOT NULL;

CREATE OR REPLACE TEMPORARY TABLE carried_records AS
SELECT DISTINCT fr.source, fr.record_id, fr.business_date
FROM fact_records AS fr
JOIN leg_facts AS f
  ON f.recon_date = fr.recon_date AND f.check_name = fr.check_name AND f.key = fr.key
 AND f.part = fr.part
WHERE fr.recon_date = $prev_date AND f.recon_date = $prev_date AND f.class IS NOT NULL;

-- The first day the night reads: the lookback window's, or an older carried record's.
SELECT LEAST(COALESCE(MIN(business_date), $window_start), $window_start) AS read_from
FROM carried_records;
