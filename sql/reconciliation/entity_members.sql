-- The rows of tonight's matched_ledger: every entity with a record dated tonight or a record
-- in a break that is still open.
CREATE OR REPLACE TEMPORARY TABLE evaluated_entities AS
SELECT entity_type, entity_key FROM records WHERE business_date = $recon_date
UNION DISTINCT
SELECT r.entity_type, r.entity_key
FROM records AS r
JOIN kept_fact_records AS fr ON fr.source = r.source AND fr.record_id = r.record_id
JOIN open_legs AS o ON o.check_name = fr.check_name AND o.key = fr.key;

-- The legs read the window's records that share a key with tonight; a row of matched_ledger
-- shows every record of its entity, so the window's other records of these entities are read
-- now: those that carry the entity's key, and the settlement lines of the processor
-- references of its orders.
CREATE OR REPLACE TEMPORARY TABLE member_records AS
WITH members AS (
  SELECT DISTINCT w.source, w.record_id, w.business_date
  FROM window_keys AS w
  JOIN (SELECT DISTINCT entity_key FROM evaluated_entities) AS e ON e.entity_key = w.raw_key
  WHERE w.business_date >= $window_start AND w.business_date < $recon_date
), member_references AS (
  SELECT DISTINCT w.raw_key
  FROM members AS m
  JOIN window_keys AS w
    ON w.source = m.source AND w.record_id = m.record_id AND w.business_date = m.business_date
  WHERE m.source = 'processor_transactions'
)
SELECT source, record_id, business_date FROM members
UNION
SELECT w.source, w.record_id, w.business_date
FROM window_keys AS w
JOIN member_references AS r ON r.raw_key = w.raw_key
WHERE w.source = 'processor_settlements'
  AND w.business_date >= $window_start AND w.business_date < $recon_date;

-- Those the legs already read are in the universe.
DELETE FROM member_records
WHERE EXISTS (
  SELECT 1 FROM relevant_records AS r
  WHERE r.source = member_records.source AND r.record_id = member_records.record_id
    AND r.business_date = member_records.business_date
);

DROP TABLE window_keys;
DROP TABLE relevant_records;

SELECT COUNT(*) AS added FROM member_records;
