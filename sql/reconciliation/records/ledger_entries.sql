-- a ledger line belongs to its order, store-day or payout (ledger: record_roles.sql)
SELECT 'ledger_entries' AS source, entry_id AS record_id, business_date,
       belongs_to AS entity_type, reference AS entity_key, currency,
       debit_minor + credit_minor AS money_minor
FROM ledger
