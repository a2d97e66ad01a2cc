-- 0005: reconcile work scoped to match groups, so that a nightly run costs what its window
-- holds, not what the customer's history holds.
--
-- The rules (docs/reconciliation.md) decide within groups of a customer's lines: those that
-- share an InvoiceRowHash, or, for lines without one, the same subscription + SKU + period.
-- `match_group` names a scope that holds whole rule groups: the first 12 characters of the hash
-- (two hashes sharing them are just rebuilt together), or for unhashed lines their period start
-- (every unhashed line of that customer and period). Lines of one rule group always carry the
-- same value, so rebuilding the groups a change touched gives the rows a full rebuild gives.
-- It is short on purpose: its index takes random inserts (hashes), and every page of it that a
-- night's lines touch is written again, so the smaller the entries, the fewer the pages.
-- The value is computed by SQL (the expression below, also used by the ingest writer).
ALTER TABLE staging_lines ADD COLUMN match_group TEXT;
UPDATE staging_lines SET match_group = CASE WHEN row_hash IS NOT NULL THEN 'h' || substr(row_hash, 1, 12)
    ELSE 'p' || coalesce(period_start, '') END;
-- Replaces staging_by_customer_key: its prefix serves the same customer look-ups.
DROP INDEX staging_by_customer_key;
CREATE INDEX staging_by_match_group ON staging_lines(vendor, customer_key, match_group);
-- Nothing reads these two (reconcile pairs hashes inside a customer's groups, and customers
-- are found by customer_key), while every window's transaction rewrote them: their keys are
-- random, so each commit dirtied nearly every page (most of the 6× write amplification of a
-- backfill).
DROP INDEX staging_by_hash;
DROP INDEX staging_by_customer;

-- The group of the line(s) a purchase row stands for (NULL for adjustment rows).
ALTER TABLE purchases ADD COLUMN match_group TEXT;
UPDATE purchases SET match_group = (SELECT s.match_group FROM staging_lines s
    WHERE s.line_id = coalesce(purchases.incoming_line_id, purchases.outgoing_line_id));
DROP INDEX purchases_by_customer_key;
CREATE INDEX purchases_by_match_group ON purchases(vendor, customer_key, match_group);

-- The groups whose lines changed since the last reconcile. A customer in reconcile_queue
-- without a group here (queued by `reopen`, or before this migration) is rebuilt whole.
CREATE TABLE reconcile_queue_groups (
    vendor        TEXT NOT NULL,
    customer_key  TEXT NOT NULL,
    match_group   TEXT NOT NULL,
    PRIMARY KEY (vendor, customer_key, match_group)
) WITHOUT ROWID;
