-- 0018: a line is no longer split across purchases.
--
-- Until now, several lines on one side of a key whose quantities added up to the one line on
-- the other side (10 + 5 seats bought, billed as one line of 15) were matched as a group, the
-- single line's amount split across one row per line of the other side
-- (`subscription_sku_period+sum`). Such a line was counted in several rows, at amounts no
-- document states. Those lines now stay `ambiguous`, one row per line with its own amount.
--
-- The groups that hold such rows are queued, so the next reconcile rebuilds them. A group with
-- a row in a closed month is left as it was closed: the books of a closed month do not change.
CREATE TEMP TABLE split_groups AS
SELECT DISTINCT vendor, customer_key, match_group FROM purchases
WHERE match_rule = 'subscription_sku_period+sum' AND customer_key IS NOT NULL AND match_group IS NOT NULL;

-- Each tier of the match-group index is probed on its own: `recent` is part of the condition
-- of each, and without it every group would scan the whole table.
DELETE FROM temp.split_groups
WHERE EXISTS (SELECT 1 FROM purchases c
              WHERE c.vendor = split_groups.vendor AND c.customer_key = split_groups.customer_key
                AND c.match_group = split_groups.match_group AND c.recent = 0
                AND substr(c.invoice_date, 1, 7) IN (SELECT month FROM closed_months))
   OR EXISTS (SELECT 1 FROM purchases c
              WHERE c.vendor = split_groups.vendor AND c.customer_key = split_groups.customer_key
                AND c.match_group = split_groups.match_group AND c.recent = 1
                AND substr(c.invoice_date, 1, 7) IN (SELECT month FROM closed_months));

-- A customer queued already without groups is rebuilt whole, which covers its split groups:
-- a group queued for it would narrow that rebuild to the group.
INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group)
SELECT s.vendor, s.customer_key, s.match_group FROM temp.split_groups s
WHERE NOT EXISTS (SELECT 1 FROM reconcile_queue q WHERE q.vendor = s.vendor AND q.customer_key = s.customer_key)
   OR EXISTS (SELECT 1 FROM reconcile_queue_groups g WHERE g.vendor = s.vendor AND g.customer_key = s.customer_key);

INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key)
SELECT DISTINCT vendor, customer_key FROM temp.split_groups;

DROP TABLE temp.split_groups;
