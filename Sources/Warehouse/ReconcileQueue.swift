import Foundation
import GRDB
import JSON

/// The reconcile queue (`reconcile_queue`, `reconcile_queue_groups`): the customers, and the
/// match groups of theirs, that the next reconcile rebuilds. Every write to the queue goes
/// through here, so the match-group formula and the rule for rebuilding a customer whole are
/// written once.
///
/// A customer is queued whole (`MatchGroupIndex.wholeCustomer`) when the change is dated in a
/// closed month: its lines may be netted by adjustment rows, which belong to no match group.
/// So is a customer without purchases yet: none of its lines has been reconciled, so rebuilding
/// it whole costs what its groups would, and a backfill then queues one row per customer
/// instead of one per line, at random places of the queue's key.
public struct ReconcileQueue {
    public let db: Database

    public init(_ db: Database) { self.db = db }

    // MARK: The match group

    /// The match group of a staging line, as SQL over the given column names or parameters.
    /// Migration 0005 filled the column with this same expression; `matchGroup(rowHash:periodStart:)`
    /// is its Swift twin, held to it by a test.
    public static func matchGroupSQL(rowHash: String = "row_hash", periodStart: String = "period_start") -> String {
        "CASE WHEN \(rowHash) IS NOT NULL THEN 'h' || substr(\(rowHash), 1, 12) ELSE 'p' || coalesce(\(periodStart), '') END"
    }

    /// The match group `matchGroupSQL` computes from these values, or nil where the two could
    /// differ: `substr` counts characters and a hash that is not plain printable ASCII would need
    /// SQLite's idea of one. Vendors send hex digests; a stranger hash only costs its customer a
    /// whole rebuild, which is always right.
    public static func matchGroup(rowHash: String?, periodStart: CalendarDate?) -> String? {
        guard let rowHash else { return "p" + (periodStart?.description ?? "") }
        guard let prefix = hashPrefix(of: rowHash) else { return nil }
        return "h" + String(decoding: prefix, as: UTF8.self)
    }

    /// The bytes of a hashed line's group name after its `h`, or nil where `matchGroup` leaves
    /// the name to SQL (the ingest writer spells names from these bytes too).
    public static func hashPrefix(of rowHash: String) -> Substring.UTF8View? {
        let prefix = rowHash.utf8.prefix(12)
        return prefix.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? prefix : nil
    }

    // MARK: Queueing

    static func hasPurchases(_ alias: String) -> String { MatchGroupIndex.hasRows(in: .purchases, ofCustomerIn: alias) }

    /// Queues the customers and groups of the staging lines that `condition` selects (over
    /// `staging_lines s`): what a change to those lines must rebuild.
    public func enqueueStagedLines(where condition: String, arguments: StatementArguments) throws {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group)
            SELECT DISTINCT s.vendor, s.customer_key,
                   CASE WHEN substr(s.document_date, 1, 7) IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("s"))
                        THEN '\(MatchGroupIndex.wholeCustomer)' ELSE s.match_group END
            FROM staging_lines s WHERE \(condition) AND s.match_group IS NOT NULL
            """).execute(arguments: arguments)
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key)
            SELECT DISTINCT s.vendor, s.customer_key FROM staging_lines s WHERE \(condition)
            """).execute(arguments: arguments)
    }

    /// Queues whole the customers that `select` lists (columns vendor, customer_key).
    public func enqueueCustomers(_ select: String, arguments: StatementArguments = []) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key) \(select)", arguments: arguments)
    }

    /// Queues the customers and groups of a document's new lines, dated in `month` (`YYYY-MM`):
    /// two statements for the document, whatever its size, over the list of them as one JSON
    /// parameter (`[[customer, [group, …]], …]`). SQLite's JSON ends a text at an escaped NUL,
    /// so a customer key with one in it is queued on its own.
    public func enqueue(_ touched: TouchedGroups, vendor: String, month: String) throws {
        try enqueue(CollectionOfOne(touched), vendor: vendor, month: month)
    }

    /// The same for several documents' lines, all dated in `month`: the same two statements,
    /// with each document's customers listed as they would be on their own.
    public func enqueue(_ documents: some Collection<TouchedGroups>, vendor: String, month: String) throws {
        var list = JSONList()
        var listed = 0
        // In key order: neighbouring inserts land on the same pages.
        for (customerKey, groups) in documents.lazy.flatMap({ $0.groups }).sorted(by: { $0.key < $1.key }) {
            let names = groups.contains(MatchGroupIndex.wholeCustomer) ? [MatchGroupIndex.wholeCustomer] : groups.sorted()
            if customerKey.utf8.contains(0) {
                try enqueue(customerKey, groups: names, vendor: vendor, month: month)
                continue
            }
            list.open()
            list.append(customerKey)
            list.open()
            for name in names { list.append(name) }
            list.close()
            list.close()
            listed += 1
        }
        guard listed > 0 else { return }
        let json = list.json
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key)
            SELECT ?1, json_extract(value, '$[0]') FROM json_each(?2)
            """).execute(arguments: [vendor, json])
        // Each customer is read from the list, and probed for purchases, once (`w`), then its
        // groups or its whole-customer mark are queued.
        try db.cachedStatement(sql: """
            WITH c AS MATERIALIZED (
                SELECT ?1 AS vendor, json_extract(value, '$[0]') AS customer_key, json_extract(value, '$[1]') AS groups FROM json_each(?2)),
            w AS MATERIALIZED (
                SELECT c.vendor, c.customer_key, c.groups,
                       ?3 IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("c")) AS whole
                FROM c)
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group)
            SELECT w.vendor, w.customer_key, g.value FROM w, json_each(w.groups) g WHERE NOT w.whole
            UNION ALL
            SELECT w.vendor, w.customer_key, '\(MatchGroupIndex.wholeCustomer)' FROM w WHERE w.whole
            """).execute(arguments: [vendor, json, month])
    }

    /// The same for one customer. The key is bound as its bytes, cast back to text: GRDB binds
    /// a String only up to a NUL.
    func enqueue(_ customerKey: String, groups: [String], vendor: String, month: String) throws {
        let key = Data(customerKey.utf8)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key) VALUES (?, CAST(? AS TEXT))")
            .execute(arguments: [vendor, key])
        let whole = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT ?3 IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("c"))
            FROM (SELECT ?1 AS vendor, CAST(?2 AS TEXT) AS customer_key) c
            """), arguments: [vendor, key, month]) != false
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group) VALUES (?, CAST(? AS TEXT), ?)
            """)
        for name in whole ? [MatchGroupIndex.wholeCustomer] : groups {
            try insert.execute(arguments: [vendor, key, name])
        }
    }

    // MARK: Taking off the queue

    /// Removes the customers that `table` lists (columns vendor, customer_key), once rebuilt.
    public func remove(customersIn table: String) throws {
        try db.execute(sql: """
            DELETE FROM reconcile_queue WHERE (vendor, customer_key) IN (SELECT vendor, customer_key FROM \(table));
            DELETE FROM reconcile_queue_groups WHERE (vendor, customer_key) IN (SELECT vendor, customer_key FROM \(table));
            """)
    }

    /// Empties the queue, after a full rebuild.
    public func removeAll() throws {
        try db.execute(sql: "DELETE FROM reconcile_queue; DELETE FROM reconcile_queue_groups")
    }
}

/// The customers and match groups of a document's new lines, gathered while they are written,
/// so that queueing them needs no second read of the lines.
public struct TouchedGroups: Sendable {
    /// Customer key → the match groups of its lines; `MatchGroupIndex.wholeCustomer` stands
    /// for a group that `ReconcileQueue.matchGroup` cannot name exactly as SQL does.
    public private(set) var groups: [String: Set<String>] = [:]

    public init() {}

    public mutating func add(customerKey: String, rowHash: String?, periodStart: CalendarDate?) {
        groups[customerKey, default: []].insert(ReconcileQueue.matchGroup(rowHash: rowHash, periodStart: periodStart) ?? MatchGroupIndex.wholeCustomer)
    }

    /// How many groups, over all customers.
    public var count: Int { groups.values.reduce(0) { $0 + $1.count } }
}

/// A JSON array of arrays of strings: the one shape the queue hands SQLite. Strings are
/// escaped by `JSONString`.
struct JSONList {
    private var text = "["
    private var first = true

    var json: String { text + "]" }

    mutating func open() {
        separate()
        text += "["
        first = true
    }

    mutating func close() {
        text += "]"
        first = false
    }

    mutating func append(_ string: String) {
        separate()
        JSONString.append(string, to: &text)
        first = false
    }

    private mutating func separate() {
        if !first { text += "," }
    }
}
