-- A source's records of the night (universe.sql), once tonight_entity_totals has summed
-- them: what is left to do reads the legs' inputs and the entities' records, so the copy
-- gives its memory back before matched_ledger's largest join.
DROP TABLE universe_source;
