-- Every open break of the night, all four classes, largest money first.
SELECT * FROM classified_variances WHERE recon_date = $d
ORDER BY amount_minor DESC, check_name, key;
