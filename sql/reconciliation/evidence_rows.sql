-- The full source rows behind tonight's open legs, for one source (templated like universe).
SELECT DISTINCT s.*
FROM source_table AS s
JOIN fact_records AS fr ON fr.record_id = s.record_key AND fr.business_date = s.business_date
JOIN leg_facts AS f
  ON f.recon_date = fr.recon_date AND f.check_name = fr.check_name AND f.key = fr.key
 AND f.part = fr.part
WHERE fr.recon_date = $recon_date AND f.recon_date = $recon_date
  AND fr.source = $source_name AND f.class IS NOT NULL
  -- the oldest record behind tonight's breaks bounds the partitions read
  AND s.business_date BETWEEN $earliest AND $recon_date;
