-- 0014: what Copper's company sync last read with. An incremental sync only sees companies
-- that changed, never one deleted in Copper nor a company read with another customer-number
-- field, so a sync reads every company again when the field changed or a week after the last
-- complete full read, and drops the companies that full read no longer found.
CREATE TABLE crm_sync_state (
    singleton                 INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- the custom field definition the stored customer numbers were read from
    customer_number_field_id  INTEGER NOT NULL,
    customer_number_field     TEXT NOT NULL,
    -- when the last complete full read finished (UTC, ISO 8601)
    full_sync_at              TEXT NOT NULL
);
