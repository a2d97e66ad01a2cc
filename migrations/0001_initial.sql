-- 0001: the warehouse core. Money is INTEGER micro-units (1 = 0.000001) in *_micros columns.
-- Dates are TEXT 'YYYY-MM-DD'; timestamps TEXT 'YYYY-MM-DDTHH:MM:SSZ' (UTC).

-- One row per command invocation that writes (nightly, ingest, reconcile).
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY,
    command       TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT CHECK (outcome IN ('ok', 'partial', 'failed')),
    summary       TEXT
);

-- The ledger: one row per vendor x endpoint x window chunk fetched, committed in the same
-- transaction as the documents it brought, so a row here means its data is there too.
CREATE TABLE ingest_runs (
    ingest_id         INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES runs(run_id),
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    endpoint_version  TEXT NOT NULL,
    window_start      TEXT NOT NULL,
    window_end        TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    finished_at       TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
    requests          INTEGER NOT NULL DEFAULT 0,
    retries           INTEGER NOT NULL DEFAULT 0,
    pages             INTEGER NOT NULL DEFAULT 0,
    documents         INTEGER NOT NULL DEFAULT 0,
    documents_changed INTEGER NOT NULL DEFAULT 0,
    lines             INTEGER NOT NULL DEFAULT 0,
    quarantined       INTEGER NOT NULL DEFAULT 0,
    error             TEXT
);
CREATE INDEX ingest_runs_by_endpoint ON ingest_runs(vendor, endpoint, status, window_end);

-- Every version of every document, byte for byte as the vendor sent it (the document's own
-- JSON object, cut from the response). A re-fetch with the same content adds nothing.
CREATE TABLE raw_documents (
    raw_id            INTEGER PRIMARY KEY,
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    endpoint_version  TEXT NOT NULL,
    document_key      TEXT NOT NULL,
    document_date     TEXT,
    content_sha256    TEXT NOT NULL,
    payload           BLOB NOT NULL,
    fetched_at        TEXT NOT NULL,
    ingest_id         INTEGER NOT NULL REFERENCES ingest_runs(ingest_id),
    UNIQUE (vendor, endpoint, document_key, content_sha256)
);

-- One row per document: which raw version currently counts.
CREATE TABLE documents (
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    document_key      TEXT NOT NULL,
    direction         TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    document_date     TEXT NOT NULL,
    current_raw_id    INTEGER NOT NULL REFERENCES raw_documents(raw_id),
    versions          INTEGER NOT NULL DEFAULT 1,
    first_seen_at     TEXT NOT NULL,
    changed_at        TEXT NOT NULL,
    PRIMARY KEY (vendor, endpoint, document_key)
) WITHOUT ROWID;

-- Typed price lines of the current version of each document; derived from raw_documents.
CREATE TABLE staging_lines (
    line_id              INTEGER PRIMARY KEY,
    raw_id               INTEGER NOT NULL REFERENCES raw_documents(raw_id),
    vendor               TEXT NOT NULL,
    endpoint             TEXT NOT NULL,
    direction            TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    document_key         TEXT NOT NULL,
    document_date        TEXT NOT NULL,
    document_type        TEXT,
    currency             TEXT NOT NULL,
    line_index           INTEGER NOT NULL,
    customer_account_id  TEXT,
    customer_number      TEXT,
    customer_name        TEXT,
    subscription_id      TEXT,
    subscription_name    TEXT,
    line_ref             TEXT,
    uid                  TEXT,
    row_hash             TEXT,
    sku                  TEXT,
    description          TEXT,
    charge_type          TEXT,
    quantity             TEXT,
    quantity_norm        TEXT,
    unit_price_micros    INTEGER,
    amount_micros        INTEGER NOT NULL,
    vat_micros           INTEGER,
    period_start         TEXT,
    period_end           TEXT,
    UNIQUE (raw_id, line_index)
);
CREATE INDEX staging_by_hash ON staging_lines(vendor, row_hash) WHERE row_hash IS NOT NULL;
CREATE INDEX staging_by_customer ON staging_lines(vendor, customer_number);
CREATE INDEX staging_by_document ON staging_lines(vendor, endpoint, document_key);

-- Documents that could not be decoded, with the reason and their raw bytes.
CREATE TABLE quarantine (
    quarantine_id     INTEGER PRIMARY KEY,
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    document_key      TEXT,
    reason            TEXT NOT NULL,
    content_sha256    TEXT NOT NULL,
    payload           BLOB NOT NULL,
    first_seen_at     TEXT NOT NULL,
    last_seen_at      TEXT NOT NULL,
    ingest_id         INTEGER NOT NULL REFERENCES ingest_runs(ingest_id),
    resolved_at       TEXT,
    UNIQUE (vendor, endpoint, content_sha256)
);

-- Customers whose lines changed since the last reconcile: what the next one rebuilds.
CREATE TABLE reconcile_queue (
    vendor           TEXT NOT NULL,
    customer_number  TEXT NOT NULL,
    PRIMARY KEY (vendor, customer_number)
) WITHOUT ROWID;

-- One row per reconciled line (see INTERFACE.md and docs/schema.md).
CREATE TABLE purchases (
    purchase_id       INTEGER PRIMARY KEY,
    vendor            TEXT NOT NULL,
    invoice_id        TEXT,
    invoice_date      TEXT NOT NULL,
    customer_number   TEXT,
    customer_name     TEXT,
    subscription_id   TEXT,
    sku               TEXT,
    description       TEXT,
    charge_type       TEXT,
    period_start      TEXT,
    period_end        TEXT,
    currency          TEXT NOT NULL,
    quantity_bought   TEXT,
    quantity_billed   TEXT,
    cost_micros       INTEGER,
    sell_micros       INTEGER,
    margin_micros     INTEGER,
    match_status      TEXT NOT NULL CHECK (match_status IN
                        ('matched', 'unbilled', 'unbacked', 'quantity_mismatch', 'ambiguous')),
    match_rule        TEXT,
    outgoing_document TEXT,
    incoming_line_id  INTEGER UNIQUE,
    outgoing_line_id  INTEGER UNIQUE,
    crm_company_id    TEXT,
    crm_company_name  TEXT
);
CREATE INDEX purchases_by_customer ON purchases(vendor, customer_number);
CREATE INDEX purchases_by_date ON purchases(invoice_date);

-- For people: the same figures as decimals. Never sum these in code that must be exact.
CREATE VIEW purchases_readable AS
SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku,
       description, charge_type, period_start, period_end, currency, quantity_bought,
       quantity_billed,
       cost_micros / 1000000.0   AS cost,
       sell_micros / 1000000.0   AS sell,
       margin_micros / 1000000.0 AS margin,
       match_status, match_rule, crm_company_name
FROM purchases;

CREATE VIEW staging_lines_readable AS
SELECT vendor, direction, document_key, document_date, document_type, currency,
       customer_number, customer_name, subscription_id, sku, description, charge_type,
       quantity, amount_micros / 1000000.0 AS amount, period_start, period_end, row_hash
FROM staging_lines;
