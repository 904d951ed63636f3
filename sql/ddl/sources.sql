-- The seven canonical sources, one partition per business date (the date of the landing file).
-- Timestamps are kept as the text delivered, so their offsets are never lost.
CREATE TABLE IF NOT EXISTS storefront_orders (
    business_date DATE NOT NULL,
    event_id VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    event_ts VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    amount_minor BIGINT NOT NULL,
    units BIGINT NOT NULL,
    payment_method VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS pos_transactions (
    business_date DATE NOT NULL,
    txn_id VARCHAR NOT NULL,
    store_id VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    txn_type VARCHAR NOT NULL,
    event_ts VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    amount_minor BIGINT NOT NULL,
    units BIGINT NOT NULL,
    tender VARCHAR NOT NULL,
    psp_reference VARCHAR,
    fulfilment VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS oms_orders (
    business_date DATE NOT NULL,
    order_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    created_ts VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    amount_minor BIGINT NOT NULL,
    units BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS processor_transactions (
    business_date DATE NOT NULL,
    psp_reference VARCHAR NOT NULL,
    order_ref VARCHAR NOT NULL,
    processor VARCHAR NOT NULL,
    txn_type VARCHAR NOT NULL,
    event_ts VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    amount_minor BIGINT NOT NULL,
    fee_minor BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS processor_settlements (
    business_date DATE NOT NULL,
    settlement_line_id VARCHAR NOT NULL,
    psp_reference VARCHAR NOT NULL,
    payout_id VARCHAR NOT NULL,
    settled_date VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    gross_minor BIGINT NOT NULL,
    fee_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS shipments (
    business_date DATE NOT NULL,
    shipment_id VARCHAR NOT NULL,
    order_ref VARCHAR NOT NULL,
    shipped_ts VARCHAR NOT NULL,
    carrier VARCHAR,
    tracking VARCHAR,
    units BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS ledger_entries (
    business_date DATE NOT NULL,
    entry_id VARCHAR NOT NULL,
    posting_date VARCHAR NOT NULL,
    account VARCHAR NOT NULL,
    reference VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    debit_minor BIGINT NOT NULL,
    credit_minor BIGINT NOT NULL,
    memo VARCHAR
);

-- One row per source and business date: delivered, or not delivered (no file).
CREATE TABLE IF NOT EXISTS source_deliveries (
    business_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    delivered BOOLEAN NOT NULL,
    file_name VARCHAR,
    row_count BIGINT NOT NULL,
    -- What the night was reconciled with: a changed file makes the night stale (catch-up).
    file_sha256 VARCHAR,
    file_size BIGINT,
    file_mtime_ns BIGINT
);

-- Columns added since the first release: a store made before them gains them (DuckDB; a
-- BigQuery dataset made before them needs the same ALTER TABLE once, see docs/bigquery.md).
ALTER TABLE source_deliveries ADD COLUMN IF NOT EXISTS file_sha256 VARCHAR;
ALTER TABLE source_deliveries ADD COLUMN IF NOT EXISTS file_size BIGINT;
ALTER TABLE source_deliveries ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT;
