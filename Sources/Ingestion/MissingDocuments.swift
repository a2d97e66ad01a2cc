import GRDB
import Warehouse

/// `missing_documents` (migrations/0015_missing_documents.sql): the documents of an endpoint
/// that a whole, readable answer for their dates no longer held. Both vendors answer a window
/// with every document dated in it (no paging), so a document that is not there was withdrawn,
/// or came again under another key (`" 102911"` for `"102911"`, say) and would be counted
/// twice. Neither is decided here: the document stays current and counted, and is listed.
package enum MissingDocuments {
    /// A document an answer lacked.
    package struct Missing: Sendable, Equatable {
        package var key: String
        package var date: String
    }

    /// After the whole answer for `window` was read (in the window's transaction): lists the
    /// endpoint's documents dated in the window that it did not `hold`, and takes off the list
    /// those it held or that are no longer dated in the window. Returns the newly missing.
    static func record(_ db: Database, vendor: VendorID, endpoint: Endpoint, window: DateWindow,
                       holds: (String) -> Bool, ingestID: Int64, now: String) throws -> [Missing] {
        let scope: StatementArguments = [vendor.rawValue, endpoint.name]
        let range: StatementArguments = [window.start.description, window.end.description]
        var missing: [Missing] = []
        let dated = try Row.fetchCursor(db, sql: """
            SELECT document_key, document_date FROM documents
            WHERE vendor = ? AND endpoint = ? AND document_date BETWEEN ? AND ?
            """, arguments: scope + range)
        while let row = try dated.next() {
            let key: String = row[0]
            if !holds(key) { missing.append(Missing(key: key, date: row[1])) }
        }
        let listed = try Dictionary(Row.fetchAll(db, sql: "SELECT document_key, document_date FROM missing_documents WHERE vendor = ? AND endpoint = ?",
                                                 arguments: scope).map { ($0[0] as String, $0[1] as String) }) { first, _ in first }
        let missingKeys = Set(missing.map(\.key))
        for (key, date) in listed where !missingKeys.contains(key) && (holds(key) || window.contains(date)) {
            try db.execute(sql: "DELETE FROM missing_documents WHERE vendor = ? AND endpoint = ? AND document_key = ?",
                           arguments: scope + [key])
        }
        for document in missing {
            try db.execute(sql: """
                INSERT INTO missing_documents (vendor, endpoint, document_key, document_date, first_missed_at, last_missed_at, last_missed_ingest_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (vendor, endpoint, document_key) DO UPDATE SET
                    document_date = excluded.document_date, last_missed_at = excluded.last_missed_at,
                    last_missed_ingest_id = excluded.last_missed_ingest_id
                """, arguments: scope + [document.key, document.date, now, now, ingestID])
        }
        return missing.filter { listed[$0.key] == nil }
    }

    /// Every listed document, oldest date first.
    package static func all(_ db: Database) throws -> [(vendor: String, endpoint: String, key: String, date: String, since: String)] {
        try Row.fetchAll(db, sql: """
            SELECT vendor, endpoint, document_key, document_date, first_missed_at FROM missing_documents
            ORDER BY vendor, endpoint, document_date, document_key
            """).map { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
    }
}

private extension DateWindow {
    func contains(_ text: String) -> Bool {
        CalendarDate(parsing: text).map(contains) ?? false
    }
}
