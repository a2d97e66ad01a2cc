-- 0007: which field paths each vendor endpoint sends, so that a field the vendor adds, renames
-- or drops is seen as a change instead of passing unnoticed (docs/vendor-changes.md).
--
-- One row per vendor, endpoint, API version and field path (`Invoices[].Customers[].CompanyName`;
-- `[]` marks an array's elements). The path `Invoices[]` itself counts every document read.
-- Paths compare ignoring letter case (`path_key`), as the vendors' field names do.
CREATE TABLE vendor_fields (
    vendor           TEXT NOT NULL,
    endpoint         TEXT NOT NULL,
    api_version      TEXT NOT NULL,
    path_key         TEXT NOT NULL,
    path             TEXT NOT NULL,
    -- documents that carried the path, over every read (a re-read counts again)
    documents        INTEGER NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    first_ingest_id  INTEGER NOT NULL,
    last_ingest_id   INTEGER NOT NULL,
    -- 'new': first seen after the endpoint's first read; 'gone': a whole response lacked it
    -- after every earlier document had carried it; 'returned': seen again after 'gone'
    change           TEXT CHECK (change IN ('new', 'gone', 'returned')),
    changed_at       TEXT,
    PRIMARY KEY (vendor, endpoint, api_version, path_key)
) WITHOUT ROWID;
CREATE INDEX vendor_fields_by_change ON vendor_fields(changed_at) WHERE change IS NOT NULL;
