-- Every record of the universe and the one matched_ledger row it belongs to: its order, its
-- POS store-day or its payout (a ledger line by its reference). money_minor is the money
-- the conservation check adds up (ledger: debit + credit). One piece per source, in
-- reconciliation/records/.
CREATE OR REPLACE TEMPORARY TABLE records AS
{{ union_per_source('reconciliation/records') }};
