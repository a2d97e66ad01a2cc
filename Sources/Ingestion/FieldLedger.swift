import GRDB
import Warehouse

/// A field path that appeared, disappeared or came back on a vendor endpoint.
package struct FieldChange: Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case new, gone, returned
    }

    package var vendor: VendorID
    package var endpoint: String
    package var apiVersion: String
    package var path: String
    package var kind: Kind

    package init(vendor: VendorID, endpoint: String, apiVersion: String, path: String, kind: Kind) {
        self.vendor = vendor
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.path = path
        self.kind = kind
    }

    package var description: String {
        let what = switch kind {
        case .new: "new field"
        case .gone: "field no longer sent (every earlier document had it)"
        case .returned: "field sent again"
        }
        return "\(vendor)/\(endpoint) \(apiVersion): \(what): \(path)"
    }
}

extension FieldChange {
    /// A change whose field sits inside a field that changed the same way is counted under
    /// it: a renamed array is one line, not one per field of its elements (in the run's log and
    /// in `billwh status`). Returns the changes kept, by index, each with how many it holds.
    package static func folded(_ changes: [FieldChange]) -> [(index: Int, within: Int)] {
        func scope(_ c: FieldChange) -> String { "\(c.vendor)|\(c.endpoint)|\(c.apiVersion)|\(c.kind.rawValue)" }
        let paths = Dictionary(grouping: changes, by: scope).mapValues { Set($0.map { $0.path.lowercased() }) }
        func ancestor(of path: String, in scope: String) -> String? {
            var cut = path.endIndex
            while let dot = path[..<cut].lastIndex(of: ".") {
                var parent = String(path[..<dot])
                if parent.hasSuffix("[]") { parent.removeLast(2) }
                if paths[scope]?.contains(parent) == true { return parent }
                cut = dot
            }
            return nil
        }
        var within: [String: Int] = [:]
        var kept: [Int] = []
        for (index, change) in changes.enumerated() {
            if var top = ancestor(of: change.path.lowercased(), in: scope(change)) {
                while let next = ancestor(of: top, in: scope(change)) { top = next }
                within[scope(change) + "|" + top, default: 0] += 1
            } else {
                kept.append(index)
            }
        }
        return kept.map { ($0, within[scope(changes[$0]) + "|" + changes[$0].path.lowercased()] ?? 0) }
    }
}

/// `vendor_fields`: the field paths each endpoint has sent (migrations/0007_vendor_fields.sql).
package enum FieldLedger {
    /// The path that counts every document.
    static let documentKey = "invoices[]"

    /// Adds a window's census, in the window's transaction; returns what changed, to be logged
    /// once (a change is recorded when it happens, so a later read does not report it again).
    package static func record(_ db: Database, census: FieldCensus, vendor: VendorID, endpoint: Endpoint,
                              ingestID: Int64, now: String) throws -> [FieldChange] {
        let documents = census.documents
        guard documents > 0 else { return [] }
        // Another format's fields have a history of their own, under "v2 XML".
        let ledgerVersion = census.format.map { "\(endpoint.version) \($0)" } ?? endpoint.version
        let scope: StatementArguments = [vendor.rawValue, endpoint.name, ledgerVersion]
        let known = try Row.fetchAll(db, sql: """
            SELECT path_key, path, documents, change, first_ingest_id FROM vendor_fields
            WHERE vendor = ? AND endpoint = ? AND api_version = ?
            """, arguments: scope)
        let root = known.first { ($0["path_key"] as String) == documentKey }
        let documentsBefore = root.map { $0["documents"] as Int } ?? 0
        // The endpoint's first run is its baseline, all of its windows: a backfill's later
        // months bring optional fields the first month lacked, which is no change. A run
        // killed part way never finished: the run that resumes its backfill is the baseline
        // too, so that a crash changes nothing the ledger reports.
        let baseline = try root.map { root in
            try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM ingest_runs i JOIN runs r ON r.run_id = i.run_id
                    WHERE i.vendor = ? AND i.endpoint = ? AND i.endpoint_version = ? AND i.ingest_id >= ?
                      AND i.documents + i.quarantined > 0 AND r.finished_at IS NOT NULL)
                """, arguments: [vendor.rawValue, endpoint.name, endpoint.version, root["first_ingest_id"] as Int64]) ?? false
        } ?? true
        let seen = Dictionary(census.paths.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [FieldChange] = []
        func change(_ path: String, _ kind: FieldChange.Kind) {
            changes.append(FieldChange(vendor: vendor, endpoint: endpoint.name, apiVersion: ledgerVersion, path: path, kind: kind))
        }
        let markChange = try db.cachedStatement(sql: """
            UPDATE vendor_fields SET change = ?, changed_at = ?
            WHERE vendor = ? AND endpoint = ? AND api_version = ? AND path_key = ?
            """)
        var knownKeys = Set<String>()
        for row in known {
            let key: String = row["path_key"], path: String = row["path"]
            knownKeys.insert(key)
            let wasGone = (row["change"] as String?) == FieldChange.Kind.gone.rawValue
            if seen[key] == nil {
                // Only a field every earlier document had is missed: optional ones come and go.
                if !baseline && !wasGone && key != documentKey && (row["documents"] as Int) == documentsBefore {
                    try markChange.execute(arguments: [FieldChange.Kind.gone.rawValue, now] + scope + [key])
                    change(path, .gone)
                }
            } else if wasGone, let spelled = seen[key]?.path {
                try markChange.execute(arguments: [FieldChange.Kind.returned.rawValue, now] + scope + [key])
                change(spelled, .returned)
            }
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO vendor_fields (vendor, endpoint, api_version, path_key, path, documents, first_seen_at, last_seen_at,
                first_ingest_id, last_ingest_id, change, changed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (vendor, endpoint, api_version, path_key) DO UPDATE SET
                path = excluded.path, documents = documents + excluded.documents,
                last_seen_at = excluded.last_seen_at, last_ingest_id = excluded.last_ingest_id
            """)
        var rows = Array(seen.values)
        rows.append((key: documentKey, path: "Invoices[]", documents: documents))
        for entry in rows.sorted(by: { $0.key < $1.key }) {
            let isNew = !baseline && !knownKeys.contains(entry.key)
            if isNew { change(entry.path, .new) }
            try upsert.execute(arguments: scope + [entry.key, entry.path, entry.documents, now, now, ingestID, ingestID,
                                                   isNew ? FieldChange.Kind.new.rawValue : nil, isNew ? now : nil])
        }
        return changes
    }

    /// The changes recorded since `since` (a timestamp), newest first.
    package static func changes(_ db: Database, since: String) throws -> [(change: FieldChange, at: String)] {
        try Row.fetchAll(db, sql: """
            SELECT vendor, endpoint, api_version, path, change, changed_at FROM vendor_fields
            WHERE change IS NOT NULL AND changed_at >= ?
            ORDER BY changed_at DESC, vendor, endpoint, path
            """, arguments: [since]).compactMap { row in
            guard let kind = FieldChange.Kind(rawValue: row["change"]) else { return nil }
            return (FieldChange(vendor: VendorID(rawValue: row["vendor"]), endpoint: row["endpoint"], apiVersion: row["api_version"],
                                path: row["path"], kind: kind), row["changed_at"])
        }
    }
}
