-- What a night's asset was last materialised from and to, to prove a rerun identical.
SELECT inputs_digest, rules_digest, output_digest, output_rows FROM night_digests
WHERE recon_date = $d AND asset = $asset;
