import Foundation
import GRDB
import Warehouse

/// The customers and match groups of a document's new lines, gathered while they are written,
/// so that queueing them needs no second read of the lines (on a 1M-line backfill, reading each
/// document's lines back for the queue and the replace was 4.5 s of the writer's 27 s).
struct TouchedGroups {
    /// Customer key → the match groups of its lines; `MatchGroupIndex.wholeCustomer` stands
    /// for a group this cannot name exactly as SQL does.
    private(set) var groups: [String: Set<String>] = [:]

    mutating func add(_ line: StagingLine) {
        groups[line.customerKey, default: []].insert(Self.matchGroup(of: line) ?? MatchGroupIndex.wholeCustomer)
    }

    /// The line's match group as `matchGroupSQL` computes it from the values the writer binds,
    /// or nil where the two could differ: `substr` counts characters and a hash that is not
    /// plain printable ASCII would need SQLite's idea of one. Vendors send hex digests; a
    /// stranger hash only costs its customer a whole rebuild, which is always right.
    static func matchGroup(of line: StagingLine) -> String? {
        guard let hash = line.rowHash else { return "p" + (line.periodStart?.description ?? "") }
        let prefix = hash.utf8.prefix(12)
        guard prefix.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return "h" + String(decoding: prefix, as: UTF8.self)
    }
}

/// Queueing what a new version of a document changed, for reconcile: the customers and match
/// groups of its old lines and of its new ones. A document dated in a closed month queues its
/// customers whole: its lines may be netted by adjustment rows, which belong to no match group.
/// So does a customer without purchases yet: none of its lines has been reconciled, so
/// rebuilding it whole costs what its groups would, and a backfill then queues one row per
/// customer instead of one per line, at random places of the queue's key (each window's commit
/// rewrote nearly every page of it: 16 MB in a 1M-line backfill).
extension IngestWriter.Context {
    /// The lines of the document's other versions: those of its raw rows other than `rawID`.
    /// (A line's raw row is always one of its own document, so this is every other line of it,
    /// found without reading the new version's lines.)
    static let otherVersionsLines = """
        raw_id IN (SELECT raw_id FROM raw_documents WHERE vendor = ? AND endpoint = ? AND document_key = ? AND raw_id <> ?)
        """

    static func hasPurchases(_ alias: String) -> String { MatchGroupIndex.hasRows(in: .purchases, ofCustomerIn: alias) }

    /// Queues the customers and groups of the document's other versions' lines, then deletes them.
    func replaceOtherVersions(key: String, keeping rawID: Int64) throws {
        let arguments: StatementArguments = [vendor.rawValue, endpoint.name, key, rawID]
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group)
            SELECT DISTINCT s.vendor, s.customer_key,
                   CASE WHEN substr(s.document_date, 1, 7) IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("s"))
                        THEN '\(MatchGroupIndex.wholeCustomer)' ELSE s.match_group END
            FROM staging_lines s WHERE s.\(Self.otherVersionsLines) AND s.match_group IS NOT NULL
            """).execute(arguments: arguments)
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key)
            SELECT DISTINCT vendor, customer_key FROM staging_lines WHERE \(Self.otherVersionsLines)
            """).execute(arguments: arguments)
        try db.cachedStatement(sql: "DELETE FROM staging_lines WHERE \(Self.otherVersionsLines)").execute(arguments: arguments)
    }

    /// Queues the customers and groups of the new version's lines: two statements for the
    /// document, whatever its size, over the list of them as one JSON parameter
    /// (`[[customer, [group, …]], …]`); three statements per customer were 2.5 s of a
    /// 1M-line backfill. SQLite's JSON ends a text at an escaped NUL, so a customer key with
    /// one in it is queued on its own.
    func enqueue(_ touched: TouchedGroups, documentDate: CalendarDate) throws {
        let month = String(documentDate.description.prefix(7))
        var list = JSONList()
        var listed = 0
        // In key order: neighbouring inserts land on the same pages.
        for (customerKey, groups) in touched.groups.sorted(by: { $0.key < $1.key }) {
            let names = groups.contains(MatchGroupIndex.wholeCustomer) ? [MatchGroupIndex.wholeCustomer] : groups.sorted()
            if customerKey.utf8.contains(0) {
                try enqueue(customerKey, groups: names, month: month)
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
            """).execute(arguments: [vendor.rawValue, json])
        let customers = "(SELECT ?1 AS vendor, json_extract(value, '$[0]') AS customer_key, json_extract(value, '$[1]') AS groups FROM json_each(?2))"
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group)
            SELECT c.vendor, c.customer_key, g.value FROM \(customers) c, json_each(c.groups) g
            WHERE ?3 NOT IN (SELECT month FROM closed_months) AND \(Self.hasPurchases("c"))
            UNION ALL
            SELECT c.vendor, c.customer_key, '\(MatchGroupIndex.wholeCustomer)' FROM \(customers) c
            WHERE ?3 IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("c"))
            """).execute(arguments: [vendor.rawValue, json, month])
    }

    /// The same for one customer. The key is bound as its bytes, cast back to text: GRDB binds
    /// a String only up to a NUL.
    func enqueue(_ customerKey: String, groups: [String], month: String) throws {
        let key = Data(customerKey.utf8)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key) VALUES (?, CAST(? AS TEXT))")
            .execute(arguments: [vendor.rawValue, key])
        let whole = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT ?3 IN (SELECT month FROM closed_months) OR NOT \(Self.hasPurchases("c"))
            FROM (SELECT ?1 AS vendor, CAST(?2 AS TEXT) AS customer_key) c
            """), arguments: [vendor.rawValue, key, month]) != false
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO reconcile_queue_groups (vendor, customer_key, match_group) VALUES (?, CAST(? AS TEXT), ?)
            """)
        for name in whole ? [MatchGroupIndex.wholeCustomer] : groups {
            try insert.execute(arguments: [vendor.rawValue, key, name])
        }
    }
}

/// A JSON array of arrays of strings, written by hand: the one shape `enqueue` hands SQLite.
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
        text += "\""
        defer {
            text += "\""
            first = false
        }
        if string.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            text += string
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    private mutating func separate() {
        if !first { text += "," }
    }
}
