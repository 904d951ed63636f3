-- A digest of one table's rows for one night (templated: digested_table), independent of the
-- order rows are stored or read in: the sorted hashes of each row's JSON, hashed.
SELECT md5(COALESCE(string_agg(h, '' ORDER BY h NULLS FIRST), '')) AS digest, COUNT(*) AS row_count
FROM (
  SELECT md5(CAST(to_json(t) AS VARCHAR)) AS h
  FROM digested_table AS t
  WHERE t.recon_date = $recon_date
) AS hashed;
