-- Every stored record of the trace's own keys, in every source, with its business date and
-- money; `fields` is the whole row. Records a leg reached only through a mapping (another
-- spelling of the key) come in through fact_records. One piece per source, in
-- audit/trace_records/.
WITH own AS (
    SELECT key FROM trace_keys WHERE own
),
linked AS (
    SELECT DISTINCT source, record_id FROM fact_records WHERE key IN (SELECT key FROM own)
),
store_day AS (
    SELECT split_part(key, ':', 2) AS store_id,
           TRY_CAST(split_part(key, ':', 3) AS DATE) AS business_date
    FROM trace_keys WHERE relation = 'asked' AND key LIKE 'POS:%:%'
)
{{ union_per_source('audit/trace_records') }}
ORDER BY business_date, source, record_id;
