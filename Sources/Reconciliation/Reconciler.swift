import GRDB
import Warehouse

package struct ReconcileReport: Sendable, Equatable {
    package var customers = 0
    package var purchases = 0
    package var byStatus: [String: Int] = [:]
    package var full = false
    /// The highest purchase id that this reconcile did not write: its rows are those above.
    package var rebuiltAfter: Int64 = 0
    /// Rows moved into the settled tier of the match-group indexes (usually none).
    package var settled = MatchGroupIndex.Settled()
    /// Customers were rebuilt whole while a month is closed: adjustment rows may have changed.
    package var adjusting = false
    /// Of `customers`, those rebuilt from all their lines (the others: their queued groups).
    package var wholeCustomers = 0
}

/// Builds `purchases` from the current staging lines (the rules are in docs/reconciliation.md).
///
/// Work is partitioned by (vendor, customer key: what the vendor's matching rule calls the customer): ingestion queues the customers whose lines
/// changed, and only their rows are rebuilt. A full rebuild runs the same SQL over every
/// customer, so both paths give the same rows.
package enum Reconciler {
    /// Rebuilds what changed (or everything with `full`), in one transaction.
    ///
    /// The scope is kept in three temp tables: `scope` (every customer touched, for reports),
    /// `scope_whole` (customers rebuilt from all their lines) and `scope_groups` (match groups
    /// rebuilt on their own). Groups are the unit the rules decide in, so rebuilding only the
    /// queued groups gives the rows a full rebuild gives, at the cost of the change rather than
    /// of the customer's history. Customers are rebuilt whole with `full`, when a queued group
    /// has a line or a row in a closed month or a document dated in one changed (adjustments
    /// net a customer's frozen rows per line group, across match groups), and when a customer
    /// was queued without groups (`reopen`, or before migration 0005).
    /// Then settles the recent tier of the match-group indexes when it holds more than
    /// `settleAbove` rows (MatchGroupIndex).
    package static func reconcile(_ db: Database, full: Bool = false,
                                 settleAbove: Int = MatchGroupIndex.settleAbove) throws -> ReconcileReport {
        var report = ReconcileReport()
        report.full = full
        // A bulk load that was killed before it built this index again (Ingestor).
        try MatchGroupIndex.restoreSettledLinesIndex(db)
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.scope; DROP TABLE IF EXISTS temp.scope_whole; DROP TABLE IF EXISTS temp.scope_groups;
            DROP TABLE IF EXISTS temp.group_lines;
            CREATE TEMP TABLE scope (vendor TEXT NOT NULL, customer_key TEXT NOT NULL, PRIMARY KEY (vendor, customer_key)) WITHOUT ROWID;
            CREATE TEMP TABLE scope_whole (vendor TEXT NOT NULL, customer_key TEXT NOT NULL, PRIMARY KEY (vendor, customer_key)) WITHOUT ROWID;
            CREATE TEMP TABLE scope_groups (vendor TEXT NOT NULL, customer_key TEXT NOT NULL, match_group TEXT NOT NULL,
                PRIMARY KEY (vendor, customer_key, match_group)) WITHOUT ROWID;
            """)
        let anyClosed = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM closed_months)") == true
        if full {
            try db.execute(sql: """
                INSERT INTO temp.scope SELECT DISTINCT vendor, customer_key FROM staging_lines
                UNION SELECT DISTINCT vendor, customer_key FROM purchases;
                INSERT INTO temp.scope_whole SELECT vendor, customer_key FROM temp.scope;
                """)
        } else {
            try db.execute(sql: """
                INSERT INTO temp.scope SELECT vendor, customer_key FROM reconcile_queue;
                INSERT INTO temp.scope_whole SELECT c.vendor, c.customer_key FROM temp.scope c
                WHERE NOT EXISTS (SELECT 1 FROM reconcile_queue_groups g WHERE g.vendor = c.vendor AND g.customer_key = c.customer_key)
                   OR EXISTS (SELECT 1 FROM reconcile_queue_groups g WHERE g.vendor = c.vendor AND g.customer_key = c.customer_key
                              AND g.match_group = '\(MatchGroupIndex.wholeCustomer)');
                """)
            // The groups' lines are read once, here: the closed-months check looks at them, and
            // the rebuild takes them as they are (rebuildScope), instead of reading the same
            // index pages a second time.
            try db.execute(sql: """
                INSERT INTO temp.scope_groups SELECT g.vendor, g.customer_key, g.match_group FROM reconcile_queue_groups g
                JOIN temp.scope c ON c.vendor = g.vendor AND c.customer_key = g.customer_key
                WHERE (g.vendor, g.customer_key) NOT IN (SELECT vendor, customer_key FROM temp.scope_whole);
                CREATE TEMP TABLE group_lines AS
                \(MatchGroupIndex.rows(of: "staging_lines", as: "s", inGroups: "temp.scope_groups"));
                """)
            if anyClosed {
                // A queued group with a line or a row in a closed month may need adjustment rows,
                // which net whole line groups across match groups: its customer is rebuilt whole.
                // Other groups have nothing in closed months (a change to a closed month's
                // document queued its customers whole), so they are rebuilt on their own.
                let inClosedMonths = """
                    SELECT vendor, customer_key, document_date AS date FROM temp.group_lines
                    UNION ALL
                    \(MatchGroupIndex.rows(of: "purchases", as: "p", inGroups: "temp.scope_groups",
                                          columns: "p.vendor, p.customer_key, p.invoice_date AS date"))
                    """
                try db.execute(sql: """
                    INSERT OR IGNORE INTO temp.scope_whole
                    SELECT DISTINCT x.vendor, x.customer_key FROM (\(inClosedMonths)) x
                    WHERE substr(x.date, 1, 7) IN (SELECT month FROM closed_months);
                    DELETE FROM temp.scope_groups WHERE (vendor, customer_key) IN (SELECT vendor, customer_key FROM temp.scope_whole);
                    """)
            }
        }
        report.wholeCustomers = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.scope_whole") ?? 0
        report.adjusting = anyClosed && report.wholeCustomers > 0
        report.customers = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.scope") ?? 0
        report.rebuiltAfter = try Int64.fetchOne(db, sql: "SELECT coalesce(max(purchase_id), 0) FROM purchases") ?? 0
        if report.customers > 0 {
            try ReplicaChangeLog.recordRebuild(db, wholeCustomers: "temp.scope_whole", groups: "temp.scope_groups")
            let mark = try rebuildScope(db, full: full, anyWhole: report.wholeCustomers > 0, settleAbove: settleAbove, anyClosed: anyClosed)
            report.rebuiltAfter = mark
            try CRMLinks.link(db, rebuiltAfter: mark)
            for row in try Row.fetchAll(db, sql: """
                SELECT match_status, count(*) AS n FROM purchases WHERE purchase_id > ? GROUP BY match_status
                """, arguments: [mark]) {
                report.byStatus[row["match_status"]] = row["n"]
                report.purchases += row["n"] as Int
            }
        }
        report.settled = try MatchGroupIndex.settle(db, above: settleAbove)
        if full { try ReconcileQueue(db).removeAll() } else { try ReconcileQueue(db).remove(customersIn: "temp.scope") }
        try db.execute(sql: """
            DROP TABLE temp.scope; DROP TABLE temp.scope_whole; DROP TABLE temp.scope_groups; DROP TABLE IF EXISTS temp.group_lines
            """)
        return report
    }

    /// Returns the highest purchase id left after the scope's rows were deleted: the rows
    /// written by the rebuild are inserted above it (rowids grow), and are exactly those above.
    /// `anyWhole`: whether `temp.scope_whole` lists any customer.
    /// `anyClosed`: whether any month is closed (adjustment rows are then netted).
    static func rebuildScope(_ db: Database, full: Bool, anyWhole: Bool, settleAbove: Int, anyClosed: Bool) throws -> Int64 {
        // Rows of closed months stay as they are, whatever changed (see adjustments below).
        let wholeRows = full
            ? "SELECT p.purchase_id FROM purchases p WHERE (p.vendor, p.customer_key) IN (SELECT vendor, customer_key FROM temp.scope_whole)"
            : MatchGroupIndex.rows(of: "purchases", as: "p", ofCustomers: "temp.scope_whole", columns: "p.purchase_id")
        try db.execute(sql: """
            DELETE FROM purchases
            WHERE purchase_id IN (\(wholeRows))
              AND substr(invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months);
            DELETE FROM purchases
            WHERE purchase_id IN (\(MatchGroupIndex.rows(of: "purchases", as: "p", inGroups: "temp.scope_groups", columns: "p.purchase_id")))
              AND substr(invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months);
            """)
        let mark = try Int64.fetchOne(db, sql: "SELECT coalesce(max(purchase_id), 0) FROM purchases") ?? 0
        // The scope's lines, through both tiers of the match-group index — except for a full
        // rebuild, where one scan is the fastest way.
        // The queued groups' lines were read already (`group_lines`, in `reconcile`): those of
        // customers rebuilt whole after all come again with the rest of their lines.
        try db.execute(sql: "DROP TABLE IF EXISTS temp.lines")
        if full {
            try db.execute(sql: """
                CREATE TEMP TABLE lines AS
                SELECT s.* FROM temp.scope_whole c JOIN staging_lines s ON s.vendor = c.vendor AND s.customer_key = c.customer_key
                """)
        } else if !anyWhole {
            try db.execute(sql: "ALTER TABLE temp.group_lines RENAME TO lines")
        } else {
            try db.execute(sql: """
                CREATE TEMP TABLE lines AS
                \(MatchGroupIndex.rows(of: "staging_lines", as: "s", ofCustomers: "temp.scope_whole"))
                UNION ALL
                SELECT * FROM temp.group_lines WHERE (vendor, customer_key) NOT IN (SELECT vendor, customer_key FROM temp.scope_whole);
                DROP TABLE temp.group_lines;
                """)
        }
        try db.execute(sql: """
            CREATE UNIQUE INDEX temp.lines_id ON lines(line_id);
            CREATE INDEX temp.lines_hash ON lines(vendor, customer_key, row_hash, direction) WHERE row_hash IS NOT NULL;

            -- Rule 1: the shared line reference. A hash matches when it occurs exactly once on
            -- each side for the customer; more than once on a side is recorded as undecided.
            -- Currency is part of every key: a EUR line never pairs with a USD line.
            DROP TABLE IF EXISTS temp.hash_groups;
            CREATE TEMP TABLE hash_groups AS
            SELECT vendor, customer_key, row_hash, currency,
                   sum(direction = 'incoming') AS n_in, sum(direction = 'outgoing') AS n_out
            FROM temp.lines WHERE row_hash IS NOT NULL
            GROUP BY vendor, customer_key, row_hash, currency;
            CREATE INDEX temp.hash_groups_key ON hash_groups(vendor, customer_key, row_hash, currency);

            DROP TABLE IF EXISTS temp.pairs;
            CREATE TEMP TABLE pairs (in_id INTEGER PRIMARY KEY, out_id INTEGER UNIQUE NOT NULL, rule TEXT NOT NULL);
            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'invoice_row_hash'
            FROM temp.lines i
            JOIN temp.hash_groups g ON g.vendor = i.vendor AND g.customer_key = i.customer_key
                 AND g.row_hash = i.row_hash AND g.currency = i.currency AND g.n_in = 1 AND g.n_out = 1
            JOIN temp.lines o ON o.vendor = i.vendor AND o.customer_key = i.customer_key
                 AND o.row_hash = i.row_hash AND o.direction = 'outgoing' AND o.currency = i.currency
            WHERE i.direction = 'incoming'
            ORDER BY i.line_id;

            -- Rule 2: lines without a hash, on customer + subscription + SKU + period (+ currency),
            -- where the key has exactly one candidate on each side. `currencies`: how many
            -- currencies the key has without its currency (more than one: a mismatch to report).
            DROP TABLE IF EXISTS temp.key_groups;
            CREATE TEMP TABLE key_groups AS
            SELECT vendor, customer_key, subscription_id, sku, period_start, period_end, currency,
                   sum(direction = 'incoming') AS n_in, sum(direction = 'outgoing') AS n_out,
                   count(*) OVER (PARTITION BY vendor, customer_key, subscription_id, sku, period_start, period_end) AS currencies
            FROM temp.lines WHERE row_hash IS NULL
            GROUP BY vendor, customer_key, subscription_id, sku, period_start, period_end, currency;
            CREATE INDEX temp.key_groups_key ON key_groups(vendor, customer_key, subscription_id, sku, period_start, period_end, currency);

            DROP TABLE IF EXISTS temp.keyed;
            CREATE TEMP TABLE keyed AS
            SELECT l.line_id, l.direction, l.quantity_norm, g.n_in, g.n_out, g.currencies,
                   dense_rank() OVER (ORDER BY g.vendor, g.customer_key, g.subscription_id, g.sku, g.period_start, g.period_end, g.currency) AS key_id
            FROM temp.lines l
            JOIN temp.key_groups g ON g.vendor = l.vendor AND g.customer_key = l.customer_key
                 AND g.subscription_id IS l.subscription_id AND g.sku IS l.sku
                 AND g.period_start IS l.period_start AND g.period_end IS l.period_end AND g.currency = l.currency
            WHERE l.row_hash IS NULL;
            CREATE INDEX temp.keyed_key ON keyed(key_id, direction, quantity_norm);

            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'subscription_sku_period'
            FROM temp.keyed i JOIN temp.keyed o ON o.key_id = i.key_id AND o.direction = 'outgoing'
            WHERE i.direction = 'incoming' AND i.n_in = 1 AND i.n_out = 1
            ORDER BY i.line_id;

            -- Rule 3: several candidates on one key (a mid-period seat increase): a quantity that
            -- occurs exactly once on each side pairs those two lines...
            DROP TABLE IF EXISTS temp.quantity_groups;
            CREATE TEMP TABLE quantity_groups AS
            SELECT key_id, quantity_norm, sum(direction = 'incoming') AS q_in, sum(direction = 'outgoing') AS q_out
            FROM temp.keyed
            WHERE n_in > 0 AND n_out > 0 AND NOT (n_in = 1 AND n_out = 1) AND quantity_norm IS NOT NULL
            GROUP BY key_id, quantity_norm;
            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'subscription_sku_period+quantity'
            FROM temp.quantity_groups q
            JOIN temp.keyed i ON i.key_id = q.key_id AND i.direction = 'incoming' AND i.quantity_norm = q.quantity_norm
            JOIN temp.keyed o ON o.key_id = q.key_id AND o.direction = 'outgoing' AND o.quantity_norm = q.quantity_norm
            WHERE q.q_in = 1 AND q.q_out = 1
            ORDER BY i.line_id;

            -- ...and when that leaves exactly one line on each side, those two belong together
            -- (their quantities differ, so they surface as a quantity mismatch).
            DROP TABLE IF EXISTS temp.left_over;
            CREATE TEMP TABLE left_over AS
            SELECT k.key_id, k.line_id, k.direction, k.currencies,
                   sum(k.direction = 'incoming') OVER (PARTITION BY k.key_id) AS r_in,
                   sum(k.direction = 'outgoing') OVER (PARTITION BY k.key_id) AS r_out
            FROM temp.keyed k
            WHERE k.line_id NOT IN (SELECT in_id FROM temp.pairs) AND k.line_id NOT IN (SELECT out_id FROM temp.pairs);
            CREATE INDEX temp.left_over_key ON left_over(key_id, direction);
            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'subscription_sku_period+remainder'
            FROM temp.left_over i
            JOIN temp.left_over o ON o.key_id = i.key_id AND o.direction = 'outgoing'
            WHERE i.direction = 'incoming' AND i.r_in = 1 AND i.r_out = 1
              AND i.key_id IN (SELECT key_id FROM temp.quantity_groups WHERE q_in = 1 AND q_out = 1)
            ORDER BY i.line_id;
            """)
        try db.execute(sql: """
            -- Why an unpaired line stayed unpaired: nothing on the other side (unbilled /
            -- unbacked), or candidates the rules could not choose between (ambiguous).
            DROP TABLE IF EXISTS temp.unpaired;
            CREATE TEMP TABLE unpaired (line_id INTEGER PRIMARY KEY, rule TEXT NOT NULL, ambiguous INTEGER NOT NULL, candidates TEXT);
            INSERT INTO temp.unpaired
            SELECT l.line_id,
                   CASE WHEN g.n_in > 0 AND g.n_out > 0
                        THEN 'invoice_row_hash:ambiguous(' || g.n_in || ' incoming, ' || g.n_out || ' outgoing)'
                        WHEN EXISTS (SELECT 1 FROM temp.hash_groups x WHERE x.vendor = l.vendor AND x.customer_key = l.customer_key
                                     AND x.row_hash = l.row_hash AND x.currency <> l.currency
                                     AND CASE WHEN l.direction = 'incoming' THEN x.n_out ELSE x.n_in END > 0)
                        THEN 'invoice_row_hash:currency_mismatch'
                        ELSE 'invoice_row_hash:no_partner' END,
                   g.n_in > 0 AND g.n_out > 0,
                   CASE WHEN g.n_in > 0 AND g.n_out > 0 THEN
                       (SELECT group_concat(c.line_id, ',') FROM (SELECT line_id FROM temp.lines c
                         WHERE c.vendor = l.vendor AND c.customer_key = l.customer_key AND c.row_hash = l.row_hash
                           AND c.direction <> l.direction AND c.currency = l.currency ORDER BY line_id) c) END
            FROM temp.lines l
            JOIN temp.hash_groups g ON g.vendor = l.vendor AND g.customer_key = l.customer_key AND g.row_hash = l.row_hash
                 AND g.currency = l.currency
            WHERE l.row_hash IS NOT NULL
              AND l.line_id NOT IN (SELECT in_id FROM temp.pairs) AND l.line_id NOT IN (SELECT out_id FROM temp.pairs);
            DELETE FROM temp.left_over
            WHERE line_id IN (SELECT in_id FROM temp.pairs) OR line_id IN (SELECT out_id FROM temp.pairs);
            INSERT INTO temp.unpaired
            SELECT u.line_id,
                   CASE WHEN u.r_in > 0 AND u.r_out > 0
                        THEN 'subscription_sku_period:ambiguous(' || u.r_in || ' incoming, ' || u.r_out || ' outgoing)'
                        WHEN u.currencies > 1 AND EXISTS (SELECT 1 FROM temp.lines l JOIN temp.key_groups x
                                 ON x.vendor = l.vendor AND x.customer_key = l.customer_key AND x.subscription_id IS l.subscription_id
                                AND x.sku IS l.sku AND x.period_start IS l.period_start AND x.period_end IS l.period_end
                             WHERE l.line_id = u.line_id AND x.currency <> l.currency
                               AND CASE WHEN l.direction = 'incoming' THEN x.n_out ELSE x.n_in END > 0)
                        THEN 'subscription_sku_period:currency_mismatch'
                        ELSE 'subscription_sku_period:no_partner' END,
                   u.r_in > 0 AND u.r_out > 0,
                   CASE WHEN u.r_in > 0 AND u.r_out > 0 THEN
                       (SELECT group_concat(c.line_id, ',') FROM (SELECT line_id FROM temp.left_over c
                         WHERE c.key_id = u.key_id AND c.direction <> u.direction ORDER BY line_id) c) END
            FROM (SELECT key_id, line_id, direction, currencies,
                         sum(direction = 'incoming') OVER (PARTITION BY key_id) AS r_in,
                         sum(direction = 'outgoing') OVER (PARTITION BY key_id) AS r_out
                  FROM temp.left_over) u;

            -- What purchases should hold for the scope: pairs first, then the unpaired lines.
            DROP TABLE IF EXISTS temp.desired;
            CREATE TEMP TABLE desired AS
            SELECT 0 AS ord, i.line_id AS ord_line, i.vendor, i.document_key AS invoice_id, i.document_date AS invoice_date,
                   i.customer_number, i.customer_name, i.subscription_id, i.sku, i.description, i.charge_type,
                   i.period_start, i.period_end, i.currency, i.quantity AS quantity_bought, o.quantity AS quantity_billed,
                   i.amount_micros AS cost_micros, o.amount_micros AS sell_micros, o.amount_micros - i.amount_micros AS margin_micros,
                   CASE WHEN i.quantity_norm IS o.quantity_norm THEN 'matched' ELSE 'quantity_mismatch' END AS match_status,
                   p.rule AS match_rule, o.document_key AS outgoing_document, i.line_id AS incoming_line_id,
                   o.line_id AS outgoing_line_id, i.customer_key, NULL AS match_candidates, i.match_group,
                   \(RowFacts.documentType("i.document_type")) AS document_type, i.vat_micros
            FROM temp.pairs p
            JOIN temp.lines i ON i.line_id = p.in_id
            JOIN temp.lines o ON o.line_id = p.out_id;
            INSERT INTO temp.desired
            SELECT 1, l.line_id, l.vendor,
                   CASE WHEN l.direction = 'incoming' THEN l.document_key END,
                   l.document_date, l.customer_number, l.customer_name, l.subscription_id,
                   l.sku, l.description, l.charge_type, l.period_start, l.period_end, l.currency,
                   CASE WHEN l.direction = 'incoming' THEN l.quantity END,
                   CASE WHEN l.direction = 'outgoing' THEN l.quantity END,
                   CASE WHEN l.direction = 'incoming' THEN l.amount_micros END,
                   CASE WHEN l.direction = 'outgoing' THEN l.amount_micros END,
                   NULL,
                   CASE WHEN u.ambiguous THEN 'ambiguous' WHEN l.direction = 'incoming' THEN 'unbilled' ELSE 'unbacked' END,
                   u.rule,
                   CASE WHEN l.direction = 'outgoing' THEN l.document_key END,
                   CASE WHEN l.direction = 'incoming' THEN l.line_id END,
                   CASE WHEN l.direction = 'outgoing' THEN l.line_id END,
                   l.customer_key, u.candidates, l.match_group,
                   \(RowFacts.documentType("l.document_type")),
                   CASE WHEN l.direction = 'incoming' THEN l.vat_micros END
            FROM temp.lines l
            JOIN temp.unpaired u ON u.line_id = l.line_id;

            """)
        // The rows go to the recent tier of the match-group index unless it has no room for
        // them: a full or a large rebuild writes them into the big index at once.
        let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.desired") ?? 0
        let tier = full ? 0 : try MatchGroupIndex.tier(db, forAdding: rows, to: .purchases, above: settleAbove)
        try db.execute(sql: """
            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
                sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
                incoming_line_id, outgoing_line_id, customer_key, match_candidates, match_group, document_type, vat_micros, recent)
            SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
                sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
                incoming_line_id, outgoing_line_id, customer_key, match_candidates, match_group, document_type, vat_micros, \(tier)
            FROM temp.desired
            WHERE substr(invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months)
            ORDER BY ord, ord_line;

            DROP TABLE temp.lines; DROP TABLE temp.hash_groups; DROP TABLE temp.pairs;
            DROP TABLE temp.key_groups; DROP TABLE temp.keyed; DROP TABLE temp.quantity_groups;
            DROP TABLE temp.left_over; DROP TABLE temp.unpaired;
            """)
        if anyClosed {
            try PeriodAdjustments.write(db)
        }
        try db.execute(sql: "DROP TABLE temp.desired")
        return mark
    }
}
