import Logging
import PostgresNIO
import Warehouse

/// The changes between the replica's mark and the snapshot, applied to the replica: what the
/// log names is deleted there, then copied again from the snapshot. Deleting by the same keys
/// on both sides makes the replica equal whatever happened in between (rows added, removed,
/// ids reused), at the cost of the rows those keys hold now.
enum ChangeSet {
    static func apply(from mark: Int64, through last: Int64, copier: TableCopier, report: inout ReplicateReport) async throws -> Int64 {
        let snapshot = copier.snapshot
        let connection = copier.connection
        let logger = copier.logger
        let range = "change_id > \(mark) AND change_id <= \(last)"
        let changes = try snapshot.scalar("SELECT count(*) FROM replica_changes WHERE \(range)")
        try snapshot.execute("""
            DROP TABLE IF EXISTS temp.changed_documents; DROP TABLE IF EXISTS temp.changed_customers;
            DROP TABLE IF EXISTS temp.changed_groups; DROP TABLE IF EXISTS temp.changed_purchases;
            CREATE TEMP TABLE changed_documents (vendor TEXT NOT NULL, endpoint TEXT NOT NULL, document_key TEXT NOT NULL,
                PRIMARY KEY (vendor, endpoint, document_key)) WITHOUT ROWID;
            CREATE TEMP TABLE changed_customers (vendor TEXT NOT NULL, customer_key TEXT NOT NULL,
                PRIMARY KEY (vendor, customer_key)) WITHOUT ROWID;
            CREATE TEMP TABLE changed_groups (vendor TEXT NOT NULL, customer_key TEXT NOT NULL, match_group TEXT NOT NULL,
                PRIMARY KEY (vendor, customer_key, match_group)) WITHOUT ROWID;
            CREATE TEMP TABLE changed_purchases (purchase_id INTEGER PRIMARY KEY);
            INSERT OR IGNORE INTO temp.changed_documents SELECT vendor, key1, key2 FROM replica_changes WHERE \(range) AND kind = 'document';
            INSERT OR IGNORE INTO temp.changed_customers SELECT vendor, key1 FROM replica_changes WHERE \(range) AND kind = 'customer';
            INSERT OR IGNORE INTO temp.changed_groups SELECT vendor, key1, key2 FROM replica_changes WHERE \(range) AND kind = 'group'
                AND (vendor, key1) NOT IN (SELECT vendor, customer_key FROM temp.changed_customers);
            INSERT OR IGNORE INTO temp.changed_purchases SELECT purchase_id FROM replica_changes WHERE \(range) AND kind = 'purchase';
            """)

        // Documents: their staging lines and their row.
        let documents = try columns(snapshot, "SELECT vendor, endpoint, document_key FROM temp.changed_documents", 3)
        if !documents[0].isEmpty {
            for table in ["staging_lines", "documents"] {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    DELETE FROM \(table) t USING unnest($1::text[], $2::text[], $3::text[]) AS d(vendor, endpoint, document_key)
                    WHERE t.vendor = d.vendor AND t.endpoint = d.endpoint AND t.document_key = d.document_key
                    """, binds: binds(documents)), logger: logger)
            }
            for table in [ReplicatedTable.stagingLines, .documents] {
                report.rows[table.name] = try await copier.copy(table, sql: """
                    SELECT \(table.selectList("x")) FROM temp.changed_documents d CROSS JOIN \(table.name) x
                        ON x.vendor = d.vendor AND x.endpoint = d.endpoint AND x.document_key = d.document_key
                    """)
            }
        }

        // Purchases: of rebuilt customers, of rebuilt groups, relinked ones.
        let customers = try columns(snapshot, "SELECT vendor, customer_key FROM temp.changed_customers", 2)
        let groups = try columns(snapshot, "SELECT vendor, customer_key, match_group FROM temp.changed_groups", 3)
        let relinked = try columns(snapshot, "SELECT purchase_id FROM temp.changed_purchases", 1)[0].compactMap { Int64($0) }
        if !customers[0].isEmpty {
            try await connection.query(PostgresQuery(unsafeSQL: """
                DELETE FROM purchases t USING unnest($1::text[], $2::text[]) AS c(vendor, customer_key)
                WHERE t.vendor = c.vendor AND t.customer_key = c.customer_key
                """, binds: binds(customers)), logger: logger)
        }
        if !groups[0].isEmpty {
            try await connection.query(PostgresQuery(unsafeSQL: """
                DELETE FROM purchases t USING unnest($1::text[], $2::text[], $3::text[]) AS g(vendor, customer_key, match_group)
                WHERE t.vendor = g.vendor AND t.customer_key = g.customer_key AND t.match_group = g.match_group
                """, binds: binds(groups)), logger: logger)
        }
        if !relinked.isEmpty {
            try await connection.query("DELETE FROM purchases WHERE purchase_id = ANY(\(relinked))", logger: logger)
        }
        if !customers[0].isEmpty || !groups[0].isEmpty || !relinked.isEmpty {
            let table = ReplicatedTable.purchases
            // Through both tiers of the match-group index (MatchGroupIndex); UNION: a row may be
            // named by more than one change.
            report.rows[table.name] = try await copier.copy(table, sql: """
                SELECT \(table.selectList("x")) FROM purchases x WHERE x.purchase_id IN (
                    \(MatchGroupIndex.rows(of: "purchases", as: "p", ofCustomers: "temp.changed_customers", columns: "p.purchase_id"))
                    UNION
                    \(MatchGroupIndex.rows(of: "purchases", as: "p", inGroups: "temp.changed_groups", columns: "p.purchase_id"))
                    UNION
                    SELECT purchase_id FROM temp.changed_purchases)
                """)
        }
        return changes
    }

    /// The rows of a query as `count` columns of texts.
    static func columns(_ snapshot: WarehouseSnapshot, _ sql: String, _ count: Int) throws -> [[String]] {
        let statement = try snapshot.prepare(sql)
        var result = Array(repeating: [String](), count: count)
        while try statement.step() {
            for column in 0..<count {
                result[column].append(statement.text(Int32(column)).map { String(decoding: $0, as: UTF8.self) } ?? "")
            }
        }
        return result
    }

    static func binds(_ columns: [[String]]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: columns.count)
        for column in columns { binds.append(column) }
        return binds
    }
}
