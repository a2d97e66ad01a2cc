import GRDB
import Warehouse

public struct ReconcileReport: Sendable, Equatable {
    public var customers = 0
    public var purchases = 0
    public var byStatus: [String: Int] = [:]
    public var full = false
}

/// Builds `purchases` from the current staging lines (the rules are in docs/reconciliation.md).
///
/// Work is partitioned by (vendor, customer number): ingestion queues the customers whose lines
/// changed, and only their rows are rebuilt. A full rebuild runs the same SQL over every
/// customer, so both paths give the same rows.
public enum Reconciler {
    /// Rebuilds the queued customers (or all of them with `full`), in one transaction.
    public static func reconcile(_ db: Database, full: Bool = false) throws -> ReconcileReport {
        var report = ReconcileReport()
        report.full = full
        try db.execute(sql: "DROP TABLE IF EXISTS temp.scope")
        try db.execute(sql: "CREATE TEMP TABLE scope (vendor TEXT NOT NULL, customer_number TEXT NOT NULL, PRIMARY KEY (vendor, customer_number)) WITHOUT ROWID")
        if full {
            try db.execute(sql: """
                INSERT INTO temp.scope SELECT DISTINCT vendor, coalesce(customer_number, '') FROM staging_lines
                UNION SELECT DISTINCT vendor, coalesce(customer_number, '') FROM purchases
                """)
        } else {
            try db.execute(sql: "INSERT INTO temp.scope SELECT vendor, customer_number FROM reconcile_queue")
        }
        report.customers = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.scope") ?? 0
        if report.customers > 0 {
            try rebuildScope(db)
        }
        try db.execute(sql: full ? "DELETE FROM reconcile_queue" : "DELETE FROM reconcile_queue WHERE (vendor, customer_number) IN (SELECT vendor, customer_number FROM temp.scope)")
        for row in try Row.fetchAll(db, sql: """
            SELECT match_status, count(*) AS n FROM purchases
            WHERE (vendor, coalesce(customer_number, '')) IN (SELECT vendor, customer_number FROM temp.scope)
            GROUP BY match_status
            """) {
            report.byStatus[row["match_status"]] = row["n"]
            report.purchases += row["n"] as Int
        }
        try db.execute(sql: "DROP TABLE temp.scope")
        return report
    }

    static func rebuildScope(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM purchases
            WHERE (vendor, coalesce(customer_number, '')) IN (SELECT vendor, customer_number FROM temp.scope);

            DROP TABLE IF EXISTS temp.lines;
            CREATE TEMP TABLE lines AS
            SELECT s.* FROM staging_lines s
            JOIN temp.scope USING (vendor)
            WHERE temp.scope.customer_number = coalesce(s.customer_number, '');
            CREATE UNIQUE INDEX temp.lines_id ON lines(line_id);
            CREATE INDEX temp.lines_hash ON lines(row_hash, direction) WHERE row_hash IS NOT NULL;

            -- Rule 1: the shared line reference. A hash matches when it occurs exactly once on
            -- each side for the customer; more than once on a side is recorded as undecided.
            DROP TABLE IF EXISTS temp.hash_groups;
            CREATE TEMP TABLE hash_groups AS
            SELECT vendor, coalesce(customer_number, '') AS customer_key, row_hash,
                   sum(direction = 'incoming') AS n_in, sum(direction = 'outgoing') AS n_out
            FROM temp.lines WHERE row_hash IS NOT NULL
            GROUP BY vendor, coalesce(customer_number, ''), row_hash;
            CREATE INDEX temp.hash_groups_key ON hash_groups(vendor, customer_key, row_hash);

            DROP TABLE IF EXISTS temp.pairs;
            CREATE TEMP TABLE pairs (in_id INTEGER PRIMARY KEY, out_id INTEGER UNIQUE NOT NULL, rule TEXT NOT NULL);
            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'invoice_row_hash'
            FROM temp.lines i
            JOIN temp.hash_groups g ON g.vendor = i.vendor AND g.customer_key = coalesce(i.customer_number, '')
                 AND g.row_hash = i.row_hash AND g.n_in = 1 AND g.n_out = 1
            JOIN temp.lines o ON o.vendor = i.vendor AND coalesce(o.customer_number, '') = g.customer_key
                 AND o.row_hash = i.row_hash AND o.direction = 'outgoing'
            WHERE i.direction = 'incoming'
            ORDER BY i.line_id;

            -- Rule 2: lines without a hash, on customer + subscription + SKU + period, where the
            -- key has exactly one candidate on each side.
            DROP TABLE IF EXISTS temp.key_groups;
            CREATE TEMP TABLE key_groups AS
            SELECT vendor, coalesce(customer_number, '') AS customer_key, subscription_id, sku, period_start, period_end,
                   sum(direction = 'incoming') AS n_in, sum(direction = 'outgoing') AS n_out
            FROM temp.lines WHERE row_hash IS NULL
            GROUP BY vendor, coalesce(customer_number, ''), subscription_id, sku, period_start, period_end;
            CREATE INDEX temp.key_groups_key ON key_groups(vendor, customer_key, subscription_id, sku, period_start, period_end);

            DROP TABLE IF EXISTS temp.keyed;
            CREATE TEMP TABLE keyed AS
            SELECT l.line_id, l.direction, g.n_in, g.n_out,
                   dense_rank() OVER (ORDER BY g.vendor, g.customer_key, g.subscription_id, g.sku, g.period_start, g.period_end) AS key_id
            FROM temp.lines l
            JOIN temp.key_groups g ON g.vendor = l.vendor AND g.customer_key = coalesce(l.customer_number, '')
                 AND g.subscription_id IS l.subscription_id AND g.sku IS l.sku
                 AND g.period_start IS l.period_start AND g.period_end IS l.period_end
            WHERE l.row_hash IS NULL;
            CREATE INDEX temp.keyed_key ON keyed(key_id, direction);

            INSERT INTO temp.pairs (in_id, out_id, rule)
            SELECT i.line_id, o.line_id, 'subscription_sku_period'
            FROM temp.keyed i JOIN temp.keyed o ON o.key_id = i.key_id AND o.direction = 'outgoing'
            WHERE i.direction = 'incoming' AND i.n_in = 1 AND i.n_out = 1
            ORDER BY i.line_id;

            -- Why an unpaired line stayed unpaired.
            DROP TABLE IF EXISTS temp.unpaired_rule;
            CREATE TEMP TABLE unpaired_rule (line_id INTEGER PRIMARY KEY, rule TEXT NOT NULL);
            INSERT INTO temp.unpaired_rule
            SELECT l.line_id,
                   CASE WHEN g.n_in > 1 OR g.n_out > 1
                        THEN 'invoice_row_hash:ambiguous(' || g.n_in || ' incoming, ' || g.n_out || ' outgoing)'
                        ELSE 'invoice_row_hash:no_partner' END
            FROM temp.lines l
            JOIN temp.hash_groups g ON g.vendor = l.vendor AND g.customer_key = coalesce(l.customer_number, '') AND g.row_hash = l.row_hash
            WHERE l.row_hash IS NOT NULL;
            INSERT INTO temp.unpaired_rule
            SELECT line_id,
                   CASE WHEN n_in > 0 AND n_out > 0
                        THEN 'subscription_sku_period:ambiguous(' || n_in || ' incoming, ' || n_out || ' outgoing)'
                        ELSE 'subscription_sku_period:no_partner' END
            FROM temp.keyed;

            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
                sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
                incoming_line_id, outgoing_line_id)
            SELECT i.vendor, i.document_key, i.document_date, i.customer_number, i.customer_name, i.subscription_id,
                   i.sku, i.description, i.charge_type, i.period_start, i.period_end, i.currency, i.quantity, o.quantity,
                   i.amount_micros, o.amount_micros, o.amount_micros - i.amount_micros,
                   CASE WHEN i.quantity_norm IS o.quantity_norm THEN 'matched' ELSE 'quantity_mismatch' END,
                   p.rule, o.document_key, i.line_id, o.line_id
            FROM temp.pairs p
            JOIN temp.lines i ON i.line_id = p.in_id
            JOIN temp.lines o ON o.line_id = p.out_id
            ORDER BY i.line_id;

            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
                sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                cost_micros, sell_micros, margin_micros, match_status, match_rule, outgoing_document,
                incoming_line_id, outgoing_line_id)
            SELECT l.vendor,
                   CASE WHEN l.direction = 'incoming' THEN l.document_key END,
                   l.document_date, l.customer_number, l.customer_name, l.subscription_id,
                   l.sku, l.description, l.charge_type, l.period_start, l.period_end, l.currency,
                   CASE WHEN l.direction = 'incoming' THEN l.quantity END,
                   CASE WHEN l.direction = 'outgoing' THEN l.quantity END,
                   CASE WHEN l.direction = 'incoming' THEN l.amount_micros END,
                   CASE WHEN l.direction = 'outgoing' THEN l.amount_micros END,
                   NULL,
                   CASE WHEN l.direction = 'incoming' THEN 'unbilled' ELSE 'unbacked' END,
                   u.rule,
                   CASE WHEN l.direction = 'outgoing' THEN l.document_key END,
                   CASE WHEN l.direction = 'incoming' THEN l.line_id END,
                   CASE WHEN l.direction = 'outgoing' THEN l.line_id END
            FROM temp.lines l
            JOIN temp.unpaired_rule u ON u.line_id = l.line_id
            WHERE l.line_id NOT IN (SELECT in_id FROM temp.pairs)
              AND l.line_id NOT IN (SELECT out_id FROM temp.pairs)
            ORDER BY l.line_id;

            DROP TABLE temp.lines; DROP TABLE temp.hash_groups; DROP TABLE temp.pairs;
            DROP TABLE temp.key_groups; DROP TABLE temp.keyed; DROP TABLE temp.unpaired_rule;
            """)
    }
}
