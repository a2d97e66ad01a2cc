-- 0003: closing the books.
-- A closed month's purchases never change again. A later change that touches it (a re-issued
-- or late document) becomes adjustment rows dated in the first open month after it, linked
-- to the closed month and the rows they adjust, so the books balance without rewriting what
-- was exported. The same line may then appear in a frozen row and in a newer row (with the
-- adjustment netting the frozen one out), so the line-id columns can no longer be UNIQUE:
-- `billwh check` verifies the "every line counted once" invariant by sums instead.
DROP VIEW purchases_readable;
CREATE TABLE purchases_0003 (
    purchase_id          INTEGER PRIMARY KEY,
    vendor               TEXT NOT NULL,
    invoice_id           TEXT,
    invoice_date         TEXT NOT NULL,
    customer_number      TEXT,
    customer_name        TEXT,
    subscription_id      TEXT,
    sku                  TEXT,
    description          TEXT,
    charge_type          TEXT,
    period_start         TEXT,
    period_end           TEXT,
    currency             TEXT NOT NULL,
    quantity_bought      TEXT,
    quantity_billed      TEXT,
    cost_micros          INTEGER,
    sell_micros          INTEGER,
    margin_micros        INTEGER,
    match_status         TEXT NOT NULL CHECK (match_status IN
                           ('matched', 'unbilled', 'unbacked', 'quantity_mismatch', 'ambiguous')),
    match_rule           TEXT,
    outgoing_document    TEXT,
    incoming_line_id     INTEGER,
    outgoing_line_id     INTEGER,
    crm_company_id       TEXT,
    crm_company_name     TEXT,
    customer_key         TEXT NOT NULL DEFAULT '',
    match_candidates     TEXT,
    -- Adjustment rows only: the closed month adjusted and the purchase_ids of its rows.
    adjusts_month        TEXT,
    adjusts_purchase_ids TEXT
);
INSERT INTO purchases_0003 (purchase_id, vendor, invoice_id, invoice_date, customer_number, customer_name,
    subscription_id, sku, description, charge_type, period_start, period_end, currency, quantity_bought,
    quantity_billed, cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
    incoming_line_id, outgoing_line_id, crm_company_id, crm_company_name, customer_key, match_candidates)
SELECT purchase_id, vendor, invoice_id, invoice_date, customer_number, customer_name,
    subscription_id, sku, description, charge_type, period_start, period_end, currency, quantity_bought,
    quantity_billed, cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
    incoming_line_id, outgoing_line_id, crm_company_id, crm_company_name, customer_key, match_candidates
FROM purchases;
DROP TABLE purchases;
ALTER TABLE purchases_0003 RENAME TO purchases;
CREATE INDEX purchases_by_customer ON purchases(vendor, customer_number);
CREATE INDEX purchases_by_customer_key ON purchases(vendor, customer_key);
CREATE INDEX purchases_by_date ON purchases(invoice_date);
CREATE INDEX purchases_by_incoming_line ON purchases(incoming_line_id) WHERE incoming_line_id IS NOT NULL;
CREATE INDEX purchases_by_outgoing_line ON purchases(outgoing_line_id) WHERE outgoing_line_id IS NOT NULL;

CREATE VIEW purchases_readable AS
SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku,
       description, charge_type, period_start, period_end, currency, quantity_bought,
       quantity_billed,
       cost_micros / 1000000.0   AS cost,
       sell_micros / 1000000.0   AS sell,
       margin_micros / 1000000.0 AS margin,
       match_status, match_rule, crm_company_name, adjusts_month
FROM purchases;

-- Months closed for accounting ('YYYY-MM'); a row here freezes purchases dated in that month.
CREATE TABLE closed_months (
    month      TEXT PRIMARY KEY,
    closed_at  TEXT NOT NULL,
    note       TEXT
) WITHOUT ROWID;

-- Every close and reopen, with who/why: the audit trail of the books.
CREATE TABLE period_events (
    event_id   INTEGER PRIMARY KEY,
    month      TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('close', 'reopen')),
    at         TEXT NOT NULL,
    reason     TEXT,
    user       TEXT
);

-- The document's own total excluding VAT where the vendor sends one (`Totals`), for `check`.
ALTER TABLE documents ADD COLUMN stated_total_micros INTEGER;
