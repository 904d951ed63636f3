-- The keys that link the stored records tonight's matching may read: an order id, a
-- processor reference, a payout id, a ledger reference, a POS store-day. With key mappings
-- configured (rules/mappings.yaml), `key` is the part of the key every normalisation of
-- leg_facts.sql keeps (lower-cased, without '#', its last run of letters and digits, no
-- leading zeros), so no spelling of a key is left out; `raw_key` is the key as delivered.
-- Records of the lookback window up to tonight; none on a first night, when there is nothing
-- before tonight to link. Older records of a break still open are read by their ids
-- (carried.sql, universe.sql), so a break open for a year does not make every night read a
-- year of records. One piece per source, in reconciliation/window_keys/.
CREATE OR REPLACE TEMPORARY TABLE window_keys AS
SELECT source, record_id, business_date, key AS raw_key,
       CASE
         WHEN $normalised_keys
           THEN LTRIM(REGEXP_EXTRACT(REPLACE(LOWER(TRIM(key)), '#', ''), '[0-9a-z]*$'), '0')
         ELSE key
       END AS key
FROM (
  {{ union_per_source('reconciliation/window_keys') }}
  UNION ALL
  -- last night's open legs start the search as tonight's records do
  SELECT 'open_legs', check_name, $recon_date, key FROM prev_open WHERE $has_history
) AS keyed;

-- The stored records before tonight that carry a key of tonight's records or open legs:
-- every record a leg evaluated tonight can read (tonight's own are read directly).
CREATE OR REPLACE TEMPORARY TABLE relevant_records AS
SELECT DISTINCT w.source, w.record_id, w.business_date
FROM window_keys AS w
JOIN (SELECT DISTINCT key FROM window_keys WHERE business_date = $recon_date) AS tonight
  ON tonight.key = w.key
WHERE w.business_date < $recon_date;
