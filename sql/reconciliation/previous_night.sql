-- The last night matched before this one (usually yesterday): its open legs carry over.
SELECT MAX(recon_date) AS d FROM leg_facts WHERE recon_date < $recon_date;
