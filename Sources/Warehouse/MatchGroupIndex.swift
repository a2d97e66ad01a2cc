import GRDB

/// Reading and settling the two tiers of the match-group indexes (migrations/0006_recent_tier.sql).
///
/// `staging_lines` and `purchases` are each indexed on (vendor, customer_key, match_group) twice,
/// by partial indexes: the rows written since the last settle (`recent = 1`) and the settled
/// ones. SQLite uses a partial index only for a query whose WHERE names its tier, so every
/// look-up through these indexes is written here, once per tier.
public enum MatchGroupIndex {
    /// Reconcile settles a table's recent rows once it holds more than this many: the settle
    /// rewrites about one page of the big index per recent row, up to the whole index, so it is
    /// worth doing when many nights' rows share that cost (5 years of 1,000 customers: a night
    /// brings 13,000 lines, the big index has 7,000 pages).
    public static let settleAbove = 100_000

    /// Queued in `reconcile_queue_groups` for a customer that must be rebuilt whole (a change
    /// to a document dated in a closed month); no match group is named so.
    public static let wholeCustomer = "*"

    public enum Table: String, Sendable {
        case stagingLines = "staging_lines"
        case purchases
        var recentIndex: String {
            switch self {
            case .stagingLines: "staging_recent_by_match_group"
            case .purchases: "purchases_recent_by_match_group"
            }
        }
    }

    /// Rows of `table` in the recent tier.
    public static func recentRows(_ db: Database, _ table: Table) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.rawValue) INDEXED BY \(table.recentIndex) WHERE recent = 1") ?? 0
    }

    /// The `recent` value for `adding` new rows of `table`: the recent tier while it has room,
    /// else the big index at once. A long backfill or a large rebuild then writes most of its
    /// rows where they belong, and a settle never has much more than `above` rows to move
    /// (settling a million rows would rewrite every page of the table).
    public static func tier(_ db: Database, forAdding adding: Int = 0, to table: Table, above: Int = settleAbove) throws -> Int {
        try recentRows(db, table) + adding > above ? 0 : 1
    }

    /// SELECT of `columns` from `table` (as `alias`) for the match groups listed by `groups`, a
    /// table or CTE name with columns vendor, customer_key, match_group. CROSS JOIN: the groups
    /// are walked and each probes the indexes (SQLite would rather scan the big table, as temp
    /// tables and CTEs have no statistics).
    public static func rows(of table: String, as alias: String, inGroups groups: String, columns: String? = nil) -> String {
        tiers { tier in
            """
            SELECT \(columns ?? "\(alias).*") FROM \(groups) g CROSS JOIN \(table) \(alias)
                ON \(alias).vendor = g.vendor AND \(alias).customer_key = g.customer_key AND \(alias).match_group = g.match_group
                AND \(alias).recent = \(tier)
            """
        }
    }

    /// The same for whole customers: `customers` has columns vendor, customer_key.
    public static func rows(of table: String, as alias: String, ofCustomers customers: String, columns: String? = nil) -> String {
        tiers { tier in
            """
            SELECT \(columns ?? "\(alias).*") FROM \(customers) c CROSS JOIN \(table) \(alias)
                ON \(alias).vendor = c.vendor AND \(alias).customer_key = c.customer_key AND \(alias).recent = \(tier)
            """
        }
    }

    /// SQL that is true when `table` has a row of the customer (columns vendor, customer_key)
    /// of `alias`, probing each tier's index.
    public static func hasRows(in table: Table, ofCustomerIn alias: String) -> String {
        let probe = { (tier: Int) in
            "EXISTS (SELECT 1 FROM \(table.rawValue) t WHERE t.vendor = \(alias).vendor AND t.customer_key = \(alias).customer_key AND t.recent = \(tier))"
        }
        return "(\(probe(0)) OR \(probe(1)))"
    }

    static func tiers(_ select: (Int) -> String) -> String {
        select(0) + "\nUNION ALL\n" + select(1)
    }

    /// The settled tier's index of `staging_lines`, exactly as migrations/0006_recent_tier.sql
    /// creates it (a test holds the two to the byte).
    static let settledLinesIndex = "staging_by_match_group"
    public static let settledLinesIndexSQL = "CREATE INDEX staging_by_match_group ON staging_lines(vendor, customer_key, match_group) WHERE recent = 0"

    /// A bulk load writes its settled lines without the settled index, which is built again
    /// afterwards by one sort (`restoreSettledLinesIndex`): that is how bulk loaders build
    /// indexes. With the index in place, every window of a backfill inserts its lines at
    /// random places of it (the keys are hash prefixes), and each window's commit rewrites
    /// nearly every page of it: in a 1M-line backfill, 2.8 GB of the 5.5 GB written.
    /// Transactional: a rolled-back window leaves the index in place.
    public static func dropSettledLinesIndex(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX IF EXISTS \(settledLinesIndex)")
    }

    /// Builds the settled index of `staging_lines` if a bulk load dropped it (and did not get
    /// to build it again: killed, failed). Returns whether it had to. Everything that looks
    /// lines up by match group calls this first; without the index such look-ups still give
    /// the right rows, by scanning the table.
    @discardableResult
    public static func restoreSettledLinesIndex(_ db: Database) throws -> Bool {
        let present = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?)",
                                        arguments: [settledLinesIndex]) == true
        if present { return false }
        // The sort may use a second thread (by then the ingest's other threads are done). Each
        // sorter thread holds up to the page cache's size in memory: the cache is made smaller
        // for the sort, so that the ingest's peak memory does not grow with the lines it sorts.
        let threads = try Int.fetchOne(db, sql: "PRAGMA threads") ?? 0
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        try db.execute(sql: "PRAGMA threads = 2")
        try db.execute(sql: "PRAGMA cache_size = -6144")
        defer {
            try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
            try? db.execute(sql: "PRAGMA threads = \(threads)")
        }
        try db.execute(sql: settledLinesIndexSQL)
        return true
    }

    /// How many rows each table settled.
    public struct Settled: Sendable, Equatable {
        public var lines = 0
        public var purchases = 0
        public init(lines: Int = 0, purchases: Int = 0) {
            self.lines = lines
            self.purchases = purchases
        }
    }

    /// Moves the recent rows of a table into the settled tier once there are more than
    /// `above` of them. One UPDATE, in one transaction: each page of the big index is written
    /// about once for all of them, instead of once per night.
    public static func settle(_ db: Database, above: Int = settleAbove) throws -> Settled {
        var settled = Settled()
        for (table, count) in [(Table.stagingLines, \Settled.lines), (.purchases, \Settled.purchases)] {
            let recent = try recentRows(db, table)
            guard recent > above else { continue }
            try db.execute(sql: "UPDATE \(table.rawValue) INDEXED BY \(table.recentIndex) SET recent = 0 WHERE recent = 1")
            settled[keyPath: count] = recent
        }
        return settled
    }
}
