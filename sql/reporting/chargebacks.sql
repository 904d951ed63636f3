-- Chargebacks delivered tonight: listed for information, never counted as breaks.
SELECT *
FROM processor_transactions
WHERE business_date = $recon_date AND txn_type = 'chargeback'
ORDER BY currency, amount_minor DESC, psp_reference;
