-- A digest of one table's rows for one night (templated: digested_table), independent of the
-- order rows are stored or read in and without sorting them: a 64-bit hash of each row, its
-- two 32-bit halves summed over the rows (a sum of 2^31 rows of < 2^32 fits in 64 bits).
-- DuckDB's hash of the row (its own, per DuckDB version: the version is part of the code
-- digest); on BigQuery FARM_FINGERPRINT of the row's JSON.
SELECT CAST(COUNT(*) AS VARCHAR) || ':'
       || CAST(COALESCE(SUM(h >> 32), 0) AS VARCHAR) || ':'
       || CAST(COALESCE(SUM(h & 4294967295), 0) AS VARCHAR) AS digest,
       COUNT(*) AS row_count
FROM (
  SELECT hash(t) AS h
  FROM digested_table AS t
  WHERE t.recon_date = $recon_date
) AS hashed;
