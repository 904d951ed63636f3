-- The oldest business date among tonight's evidence records: where the evidence read starts.
SELECT MIN(business_date) AS d FROM fact_records WHERE recon_date = $d;
