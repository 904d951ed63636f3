-- The last night classified before this one (usually yesterday).
SELECT MAX(recon_date) AS d FROM classified_variances WHERE recon_date < $d;
