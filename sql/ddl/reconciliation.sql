-- What each night's reconciliation keeps, partitioned by recon_date (the night reconciled).

-- Every leg compared tonight, per check, part and key, whatever its outcome.
CREATE TABLE IF NOT EXISTS leg_facts (
    recon_date DATE NOT NULL,
    check_name VARCHAR NOT NULL,
    part VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    a_quantity BIGINT, a_records BIGINT, a_amount BIGINT, a_currency VARCHAR, a_last_date DATE,
    b_quantity BIGINT, b_records BIGINT, b_unknown BIGINT, b_amount BIGINT, b_currency VARCHAR,
    b_last_date DATE, b_system VARCHAR, unknown_codes BIGINT,
    mapped_key VARCHAR, mapped_level INTEGER,
    sla_days INTEGER, missing_kind VARCHAR, orphan_kind VARCHAR,
    kind VARCHAR NOT NULL, start_date DATE, age_days BIGINT, class VARCHAR
);

-- The records behind each open leg (the evidence of a break), and records a leg reached
-- under another spelling of its key.
CREATE TABLE IF NOT EXISTS fact_records (
    recon_date DATE NOT NULL,
    check_name VARCHAR NOT NULL, key VARCHAR NOT NULL, part VARCHAR NOT NULL,
    side VARCHAR NOT NULL, source VARCHAR NOT NULL, record_id VARCHAR NOT NULL,
    business_date DATE NOT NULL, system VARCHAR, record_key VARCHAR,
    quantity BIGINT, amount_minor BIGINT, currency VARCHAR, unknown_account BOOLEAN
);

-- Which matched_ledger row each record of tonight's rows belongs to (trace and conservation).
CREATE TABLE IF NOT EXISTS entity_records (
    recon_date DATE NOT NULL,
    source VARCHAR NOT NULL, record_id VARCHAR NOT NULL, business_date DATE NOT NULL,
    entity_type VARCHAR NOT NULL, entity_key VARCHAR NOT NULL,
    currency VARCHAR, money_minor BIGINT
);

CREATE TABLE IF NOT EXISTS matched_ledger (
    recon_date DATE NOT NULL,
    entity_type VARCHAR NOT NULL,
    entity_key VARCHAR NOT NULL,
    channel VARCHAR, store_id VARCHAR, currency VARCHAR,
    sale_amount_minor BIGINT, sale_units BIGINT, oms_amount_minor BIGINT,
    captured_minor BIGINT, capture_count BIGINT,
    refunded_minor BIGINT, processor_refunded_minor BIGINT,
    settled_gross_minor BIGINT, settled_fee_minor BIGINT, shipped_units BIGINT,
    ledger_revenue_minor BIGINT, ledger_refund_minor BIGINT,
    ledger_bank_minor BIGINT, ledger_fee_minor BIGINT,
    status_sale_vs_oms VARCHAR, status_sale_vs_capture VARCHAR,
    status_capture_vs_settlement VARCHAR, status_sale_vs_shipment VARCHAR,
    status_web_sale_vs_ledger VARCHAR, status_pos_takings_vs_ledger VARCHAR,
    status_refund_vs_processor_vs_ledger VARCHAR, status_payout_vs_bank VARCHAR
);

-- One row per open break (DESIGN.md section 5); `check` is stored as check_name.
CREATE TABLE IF NOT EXISTS classified_variances (
    recon_date DATE NOT NULL,
    break_id VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    class VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    first_seen DATE NOT NULL,
    age_days BIGINT NOT NULL,
    amount_minor BIGINT,
    currency VARCHAR,
    evidence VARCHAR NOT NULL,
    accepted_rule VARCHAR,
    rule_not_applied VARCHAR
);

-- Breaks open the night before that are gone tonight: the night each one resolved.
CREATE TABLE IF NOT EXISTS break_resolutions (
    recon_date DATE NOT NULL,
    break_id VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    last_class VARCHAR NOT NULL,
    first_seen DATE NOT NULL
);

-- Every run that classified a night, even one that kept no break: which run was first.
CREATE TABLE IF NOT EXISTS classification_runs (
    recon_date DATE NOT NULL,
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    breaks BIGINT NOT NULL
);

-- Every run's classified breaks, appended and never replaced: what was reported on the
-- morning it was reported stays recoverable after a rerun of the same night. Its columns
-- are spelled out (not CREATE ... AS SELECT) so BigQuery can partition it; test_catalogue
-- holds them to classified_variances' own.
CREATE TABLE IF NOT EXISTS classified_variances_history (
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recon_date DATE NOT NULL,
    break_id VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    class VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    first_seen DATE NOT NULL,
    age_days BIGINT NOT NULL,
    amount_minor BIGINT,
    currency VARCHAR,
    evidence VARCHAR NOT NULL,
    accepted_rule VARCHAR,
    rule_not_applied VARCHAR
);

-- What each step of a night stored, as digests computed in SQL, beside the digests of what it
-- read and of the rules and code it ran with: a rematerialisation with the same inputs, rules
-- and code must store the same output digest (rematerialisation_is_identical).
CREATE TABLE IF NOT EXISTS night_digests (
    recon_date DATE NOT NULL,
    asset VARCHAR NOT NULL,
    inputs_digest VARCHAR NOT NULL,
    rules_digest VARCHAR NOT NULL,
    output_digest VARCHAR NOT NULL,
    output_rows BIGINT NOT NULL
);

-- Columns added since the first release: a store made before them gains them (DuckDB; a
-- BigQuery dataset made before them needs the same ALTER TABLE once, see docs/bigquery.md).
ALTER TABLE classified_variances ADD COLUMN IF NOT EXISTS rule_not_applied VARCHAR;
ALTER TABLE classified_variances_history ADD COLUMN IF NOT EXISTS rule_not_applied VARCHAR;
