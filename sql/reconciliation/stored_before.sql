-- Whether one source holds records from $read_from up to tonight (run once per source): a
-- night with nothing stored before it has nothing to link (window_keys.sql).
SELECT EXISTS (
  SELECT 1 FROM source_table WHERE business_date >= $read_from AND business_date < $recon_date
) AS found;
