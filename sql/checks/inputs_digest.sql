-- A digest of what a night's step reads: the deliveries (file sha256) of its lookback window,
-- the stored digests of the night before (the state it carries on from: a night is only
-- matched after the night before) and, for a step after the first, tonight's digest of the
-- step it reads ($upstream).
SELECT md5(COALESCE(string_agg(line, '|' ORDER BY line NULLS FIRST), '')) AS digest
FROM (
  SELECT source || ':' || CAST(business_date AS VARCHAR) || ':' || CAST(delivered AS VARCHAR)
         || ':' || CAST(row_count AS VARCHAR) || ':' || COALESCE(file_sha256, '-') AS line
  FROM source_deliveries
  WHERE business_date BETWEEN $window_start AND $recon_date
  UNION ALL
  SELECT 'before:' || asset || ':' || output_digest
  FROM night_digests
  WHERE recon_date = $night_before
  UNION ALL
  SELECT 'upstream:' || asset || ':' || output_digest
  FROM night_digests
  WHERE recon_date = $recon_date AND asset = $upstream
) AS lines;
