-- The breaks that were genuine errors on a night: tonight's new ones are the others.
SELECT break_id FROM classified_variances WHERE recon_date = $d AND class = $cls;
