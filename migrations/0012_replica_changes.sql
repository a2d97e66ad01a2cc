-- 0012: what a PostgreSQL replica (`billwh replicate`) needs to follow the warehouse at the
-- cost of each change rather than of its size (docs/replica.md).
--
-- Nothing is logged until a replica exists (`replica_consumers` has a row), so a warehouse
-- that is never replicated pays nothing but one EXISTS probe per changed document.

-- This warehouse's identity: a replica made from another file (or from this one before a
-- restore from an older backup) is recognised and copied again whole.
CREATE TABLE replica_warehouse (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    warehouse_id    TEXT NOT NULL,
    -- Log rows up to here were pruned: a replica whose mark is older needs a whole copy.
    pruned_through  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO replica_warehouse (singleton, warehouse_id) VALUES (1, lower(hex(randomblob(16))));

-- One row per replica (host:port/database/schema, never credentials): how far it has read
-- the log. The log is pruned up to the slowest one.
CREATE TABLE replica_consumers (
    target            TEXT PRIMARY KEY,
    consumed_through  INTEGER NOT NULL DEFAULT 0,
    registered_at     TEXT NOT NULL,
    replicated_at     TEXT
) WITHOUT ROWID;

-- The units of change, as the writers know them: a document whose current version changed
-- (its staging lines, its `documents` row), a customer or a match group that reconcile
-- rebuilt (its purchases), a purchase whose CRM link changed. AUTOINCREMENT: ids never come
-- back after a prune, so a replica's mark stays meaningful.
CREATE TABLE replica_changes (
    change_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('document', 'customer', 'group', 'purchase')),
    vendor        TEXT,
    -- document: endpoint; customer and group: customer_key
    key1          TEXT,
    -- document: document_key; group: match_group
    key2          TEXT,
    purchase_id   INTEGER
);

-- The ingest writer upserts a document's row exactly when its current version changes (new
-- lines in, old lines out): one row per changed document, nothing per line.
CREATE TRIGGER replica_document_inserted AFTER INSERT ON documents
WHEN EXISTS (SELECT 1 FROM replica_consumers)
BEGIN
    INSERT INTO replica_changes (kind, vendor, key1, key2) VALUES ('document', NEW.vendor, NEW.endpoint, NEW.document_key);
END;
CREATE TRIGGER replica_document_updated AFTER UPDATE ON documents
WHEN EXISTS (SELECT 1 FROM replica_consumers)
BEGIN
    INSERT INTO replica_changes (kind, vendor, key1, key2) VALUES ('document', NEW.vendor, NEW.endpoint, NEW.document_key);
END;

-- A Copper sync relinks purchases by customer number, outside any rebuilt group.
CREATE TRIGGER replica_purchase_relinked AFTER UPDATE OF crm_company_id, crm_company_name ON purchases
WHEN EXISTS (SELECT 1 FROM replica_consumers)
BEGIN
    INSERT INTO replica_changes (kind, purchase_id) VALUES ('purchase', NEW.purchase_id);
END;
