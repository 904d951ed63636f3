-- The evidence of each of tonight's open legs, in SQL: the records behind its check and key
-- (all parts), with their full source rows, as one JSON list ordered by part, side, source
-- and record id. Bounded: the first $evidence_records records are listed; past them one last
-- element counts the records left out (`recon trace KEY` lists them all), so one order with
-- thousands of parcels cannot make a break megabytes long. Object keys are written in sorted
-- order and to_json is compact, so the text is the same night after night. The order columns
-- are never NULL: NULLS FIRST only spells out the order BigQuery's ARRAY_AGG can be given.
-- One piece per source, in reconciliation/evidence/.
WITH open_legs AS (
  SELECT DISTINCT check_name, key
  FROM leg_facts
  WHERE recon_date = $recon_date AND class IS NOT NULL
), records AS (
  SELECT fr.check_name, fr.key, fr.part, fr.side, fr.source, fr.record_id, fr.business_date,
         ROW_NUMBER() OVER (
           PARTITION BY fr.check_name, fr.key
           ORDER BY fr.part, fr.side, fr.source, fr.record_id, fr.business_date
         ) AS position,
         COUNT(*) OVER (PARTITION BY fr.check_name, fr.key) AS total
  FROM fact_records AS fr
  JOIN open_legs AS o ON o.check_name = fr.check_name AND o.key = fr.key
  WHERE fr.recon_date = $recon_date
), listed AS (
  SELECT * FROM records WHERE position <= $evidence_records
), open_part_records AS (
  -- only a listed record of an open part carries its source fields (a matched part's
  -- records are listed with empty fields), as the evidence always had it
  SELECT DISTINCT fr.source, fr.record_id, fr.business_date
  FROM fact_records AS fr
  JOIN leg_facts AS f
    ON f.recon_date = fr.recon_date AND f.check_name = fr.check_name AND f.key = fr.key
   AND f.part = fr.part
  JOIN listed AS l
    ON l.check_name = fr.check_name AND l.key = fr.key AND l.part = fr.part
   AND l.side = fr.side AND l.source = fr.source AND l.record_id = fr.record_id
   AND l.business_date = fr.business_date
  WHERE fr.recon_date = $recon_date AND f.recon_date = $recon_date AND f.class IS NOT NULL
), source_rows AS (
  -- the oldest record behind tonight's breaks ($earliest) bounds the partitions read
  {{ union_per_source('reconciliation/evidence') }}
)
SELECT r.check_name, r.key,
       to_json(list_concat(
         list(
           json_object('business_date', CAST(r.business_date AS VARCHAR),
                       'fields', COALESCE(f.fields, json_object()),
                       'part', r.part, 'record_id', r.record_id,
                       'side', CASE WHEN r.side = 'a' THEN 'expected' ELSE 'counterpart' END,
                       'source', r.source)
           ORDER BY r.part NULLS FIRST, r.side NULLS FIRST, r.source NULLS FIRST,
                    r.record_id NULLS FIRST, r.business_date NULLS FIRST
         ),
         CASE
           WHEN r.total > $evidence_records THEN [
             json_object('omitted_records', r.total - $evidence_records, 'records', r.total,
                         'retrieve', 'recon trace ' || r.key)
           ]
           ELSE []
         END
       )) AS evidence
FROM listed AS r
LEFT JOIN source_rows AS f
  ON f.source = r.source AND f.record_id = r.record_id AND f.business_date = r.business_date
GROUP BY r.check_name, r.key, r.total;
