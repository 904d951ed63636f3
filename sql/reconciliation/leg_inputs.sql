-- Every record of the night's universe, once per leg side it takes part in (DESIGN.md s.5).
-- side 'a' starts the leg (what is expected), side 'b' is the counterpart.
-- quantity is what the leg compares (money in minor units, or units for shipments);
-- amount_minor is the money at stake; sla_code names the processor or store whose SLA
-- (rules/timing.yaml overrides) applies when the record starts a break.
-- Each record also gets the key it matches on: its own, or for a counterpart system with a
-- configured mapping (rules/mappings.yaml) its key normalised to that level, the same steps
-- as norm1..norm4 of leg_facts.sql.
-- This is the night's largest table (about two rows per record), so it is kept narrow: the
-- leg and part are leg_parts' numbers, not their names; the record's own spelling of its key
-- is kept only where it differs from the key it matches on; and the record's SLA override
-- and unknown code are looked up once, here.
CREATE OR REPLACE TEMPORARY TABLE leg_inputs AS
SELECT p.leg, p.leg_part, i.side, i.match_key,
       CASE WHEN i.match_key <> i.key THEN i.key END AS spelled_key,
       i.business_date, i.currency, i.quantity, i.amount_minor, i.system, i.unknown_account,
       i.source, i.record_id,
       u.record_id IS NOT NULL AS unknown_code, o.sla_days AS sla_override
FROM (
  SELECT i.*,
         CASE
           WHEN i.side = 'a' OR m.level IS NULL THEN i.key
           WHEN m.level = 1 THEN LOWER(TRIM(i.key))
           WHEN m.level = 2 THEN REPLACE(LOWER(TRIM(i.key)), '#', '')
           WHEN m.level = 3
             THEN REGEXP_REPLACE(REPLACE(LOWER(TRIM(i.key)), '#', ''), '^[a-z]+[-_ ]', '')
           ELSE REGEXP_REPLACE(
             REGEXP_REPLACE(REPLACE(LOWER(TRIM(i.key)), '#', ''), '^[a-z]+[-_ ]', ''), '^0+', '')
         END AS match_key
  FROM (
{{ union_per_leg('reconciliation/leg_inputs') }}
  ) AS i
  LEFT JOIN key_mappings AS m ON m.system = i.system
) AS i
JOIN leg_parts AS p ON p.check_name = i.check_name AND p.part = i.part
LEFT JOIN unknown_codes AS u
  ON u.check_name = i.check_name AND u.source = i.source AND u.record_id = i.record_id
LEFT JOIN sla_overrides AS o ON o.check_name = i.check_name AND o.sla_code = i.sla_code;
