-- Every record of the night's universe, once per leg side it takes part in (DESIGN.md s.5).
-- side 'a' starts the leg (what is expected), side 'b' is the counterpart.
-- quantity is what the leg compares (money in minor units, or units for shipments);
-- amount_minor is the money at stake; sla_code names the processor or store whose SLA
-- (rules/timing.yaml overrides) applies when the record starts a break.
-- Each record also gets the key it matches on: its own, or for a counterpart system with a
-- configured mapping (rules/mappings.yaml) its key normalised to that level, the same steps
-- as norm1..norm4 of leg_facts.sql.
CREATE OR REPLACE TEMPORARY TABLE leg_inputs AS
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
LEFT JOIN key_mappings AS m ON m.system = i.system;
