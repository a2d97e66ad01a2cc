-- 0006: the match-group indexes in two tiers, so that a night writes index pages in
-- proportion to its window and not to the history (issue 7, P5).
--
-- Match groups are hash prefixes: a night's lines land at random places of an index over all
-- lines, and each index page they touch is written again (to the WAL, then by the checkpoint),
-- one page per line once the history is large: 5 years of 1,000 customers had each nightly
-- write 9,000 random index pages for 13,000 lines, most of its extra time over an empty file.
--
-- So, as in an LSM tree, rows written since the last settle (`recent` = 1) are indexed in a
-- small recent index; the big one holds the settled rows (`recent` = 0). A night's inserts
-- touch only the small index. Reconcile settles the recent rows in one pass once there are
-- enough of them to amortise it (MatchGroupIndex.settleAbove): the big index is then rewritten
-- once for many nights instead of once per night. New rows go straight to the big index when
-- the recent one is full (a long backfill, a large rebuild), so that a settle stays small.
-- Look-ups read both tiers (two index probes).
-- Rows written by anything else (this migration's existing rows, a generator in SQL) default
-- to settled: either tier is correct, the tier only decides which index holds the row.
ALTER TABLE staging_lines ADD COLUMN recent INTEGER NOT NULL DEFAULT 0 CHECK (recent IN (0, 1));
DROP INDEX staging_by_match_group;
CREATE INDEX staging_by_match_group ON staging_lines(vendor, customer_key, match_group) WHERE recent = 0;
CREATE INDEX staging_recent_by_match_group ON staging_lines(vendor, customer_key, match_group) WHERE recent = 1;

ALTER TABLE purchases ADD COLUMN recent INTEGER NOT NULL DEFAULT 0 CHECK (recent IN (0, 1));
DROP INDEX purchases_by_match_group;
CREATE INDEX purchases_by_match_group ON purchases(vendor, customer_key, match_group) WHERE recent = 0;
CREATE INDEX purchases_recent_by_match_group ON purchases(vendor, customer_key, match_group) WHERE recent = 1;

-- Nothing reads this one (CRM links and the reports go through every row, reconcile through
-- customer_key), while each nightly added an entry at the end of every customer's range: over
-- 5 years of 1,000 customers, 1,400 random pages written per night for nothing.
DROP INDEX purchases_by_customer;
