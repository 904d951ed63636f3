-- A digest of one table's rows for one night (templated: digested_table), independent of the
-- order rows are stored or read in and without sorting them: the md5 of each row's JSON, two
-- 32-bit slices of it summed over the rows (a sum of 2^31 rows of < 2^32 fits in 64 bits).
SELECT CAST(COUNT(*) AS VARCHAR) || ':'
       || CAST(COALESCE(SUM(CAST('0x' || SUBSTR(h, 1, 8) AS BIGINT)), 0) AS VARCHAR) || ':'
       || CAST(COALESCE(SUM(CAST('0x' || SUBSTR(h, 9, 8) AS BIGINT)), 0) AS VARCHAR) AS digest,
       COUNT(*) AS row_count
FROM (
  SELECT md5(CAST(to_json(t) AS VARCHAR)) AS h
  FROM digested_table AS t
  WHERE t.recon_date = $recon_date
) AS hashed;
