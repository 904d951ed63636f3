-- Records whose store or processor code is not in the allowed list of rules/mappings.yaml
-- (only when a list is given: codes are free otherwise), and the leg that reports them.
CREATE OR REPLACE TEMPORARY TABLE unknown_codes AS
SELECT 'pos_takings_vs_ledger' AS check_name, 'pos_transactions' AS source, txn_id AS record_id
FROM u_pos_transactions
WHERE EXISTS (SELECT 1 FROM listed_code_kinds WHERE kind = 'store')
  AND store_id NOT IN (SELECT code FROM allowed_codes WHERE kind = 'store')
UNION ALL
SELECT 'capture_vs_settlement', 'processor_transactions', psp_reference
FROM u_processor_transactions
WHERE EXISTS (SELECT 1 FROM listed_code_kinds WHERE kind = 'processor')
  AND processor NOT IN (SELECT code FROM allowed_codes WHERE kind = 'processor');
