-- 0002: a second vendor (2tCloud).
-- Reconciliation pairs lines of one customer, and what identifies a customer is the vendor's
-- choice: Copaco's lines are matched on CustomerNumber, 2tCloud's on the customer's AccountID
-- (vendor-apis/twotcloud.md, "Matching"). The connector computes `customer_key`; it is '' when
-- unknown (never NULL) so that plain equality can use the indexes.
ALTER TABLE staging_lines ADD COLUMN customer_key TEXT NOT NULL DEFAULT '';
UPDATE staging_lines SET customer_key = coalesce(customer_number, '');
CREATE INDEX staging_by_customer_key ON staging_lines(vendor, customer_key);

ALTER TABLE purchases ADD COLUMN customer_key TEXT NOT NULL DEFAULT '';
UPDATE purchases SET customer_key = coalesce(customer_number, '');
CREATE INDEX purchases_by_customer_key ON purchases(vendor, customer_key);
-- For `ambiguous` rows: the line_ids on the other side that were candidates (comma separated).
ALTER TABLE purchases ADD COLUMN match_candidates TEXT;

ALTER TABLE reconcile_queue RENAME COLUMN customer_number TO customer_key;

-- Cross-check endpoints (2tCloud's consolidatedinvoices) keep their documents in raw and in
-- `documents` (which version is current) but never reach staging or purchases.
CREATE TABLE documents_0002 (
    vendor            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    document_key      TEXT NOT NULL,
    direction         TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'crosscheck')),
    document_date     TEXT NOT NULL,
    current_raw_id    INTEGER NOT NULL REFERENCES raw_documents(raw_id),
    versions          INTEGER NOT NULL DEFAULT 1,
    first_seen_at     TEXT NOT NULL,
    changed_at        TEXT NOT NULL,
    PRIMARY KEY (vendor, endpoint, document_key)
) WITHOUT ROWID;
INSERT INTO documents_0002 (vendor, endpoint, document_key, direction, document_date, current_raw_id,
    versions, first_seen_at, changed_at)
SELECT vendor, endpoint, document_key, direction, document_date, current_raw_id,
    versions, first_seen_at, changed_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_0002 RENAME TO documents;
