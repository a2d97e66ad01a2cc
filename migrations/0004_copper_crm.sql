-- 0004: Copper CRM. Companies are synced (raw kept verbatim in raw_documents, vendor 'copper',
-- endpoint 'companies', key = company id), linked to purchases through a company custom field
-- holding vendor customer numbers, and monthly figures may be published back.
CREATE TABLE crm_companies (
    company_id        INTEGER PRIMARY KEY,
    name              TEXT,
    assignee_id       INTEGER,
    email_domain      TEXT,
    tags              TEXT,            -- JSON array text, as sent
    customer_numbers  TEXT,            -- the custom field's value, as sent
    date_modified     INTEGER NOT NULL, -- unix seconds
    raw_id            INTEGER NOT NULL REFERENCES raw_documents(raw_id),
    synced_at         TEXT NOT NULL
);
CREATE INDEX crm_companies_by_modified ON crm_companies(date_modified);

-- Which company claims which vendor customer number (one row per number in the field).
CREATE TABLE crm_customer_numbers (
    customer_number   TEXT NOT NULL,
    company_id        INTEGER NOT NULL REFERENCES crm_companies(company_id),
    PRIMARY KEY (customer_number, company_id)
) WITHOUT ROWID;
CREATE INDEX crm_customer_numbers_by_company ON crm_customer_numbers(company_id);

-- Every write `billwh publish copper --apply` made (or attempted), so applying twice changes
-- nothing the second time: a write whose payload equals the last successful one is skipped.
CREATE TABLE crm_publications (
    publication_id    INTEGER PRIMARY KEY,
    month             TEXT NOT NULL,
    company_id        INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('custom_fields', 'activity')),
    payload           TEXT NOT NULL,
    payload_sha256    TEXT NOT NULL,
    http_status       INTEGER,
    error             TEXT,
    written_at        TEXT NOT NULL,
    run_id            INTEGER REFERENCES runs(run_id)
);
CREATE INDEX crm_publications_by_company ON crm_publications(month, company_id, kind);
