import Foundation
import GRDB
import Warehouse

/// Raw documents, quarantine and the run ledger for sources whose documents become no staging
/// lines (Copper's companies): the same tables, written here only, so that one module owns them.
extension IngestWriter {
    /// Keeps a document's exact bytes as a raw version (once per content) and returns its id.
    package static func storeRaw(_ db: Database, vendor: VendorID, endpoint: Endpoint, key: String, date: CalendarDate?,
                                raw: [UInt8], ingestID: Int64, now: String) throws -> Int64 {
        let hash = sha256Hex(raw)
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO raw_documents (vendor, endpoint, endpoint_version, document_key, document_date,
                content_sha256, payload, fetched_at, ingest_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [vendor.rawValue, endpoint.name, endpoint.version, key, date?.description, hash, Data(raw), now, ingestID])
        return try keptRawID(db, vendor: vendor, endpoint: endpoint, key: key, hash: hash)!
    }

    /// The raw row holding these bytes of the document, if they are kept.
    static func keptRawID(_ db: Database, vendor: VendorID, endpoint: Endpoint, key: String, hash: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT raw_id FROM raw_documents WHERE vendor = ? AND endpoint = ? AND document_key = ? AND content_sha256 = ?
            """), arguments: [vendor.rawValue, endpoint.name, key, hash])
    }

    /// Quarantines bytes that could not be read (a sighting of the same bytes is updated).
    package static func quarantine(_ db: Database, vendor: VendorID, endpoint: Endpoint, key: String?, reason: String,
                                  raw: [UInt8], ingestID: Int64, now: String) throws {
        var context = try Context(db: db, vendor: vendor, endpoint: endpoint, ingestID: ingestID, now: now, recentTier: 0)
        try context.quarantine(raw: raw[...], hash: sha256Hex(raw), key: key, kind: .rejected, reason: reason)
    }

    /// The keys among these with an unresolved quarantine sighting (`nil` stands for sightings
    /// of a whole response, which have no key).
    package static func quarantinedKeys(_ db: Database, vendor: VendorID, endpoint: Endpoint) throws -> Set<String?> {
        Set(try String?.fetchAll(db, sql: """
            SELECT DISTINCT document_key FROM quarantine WHERE vendor = ? AND endpoint = ? AND resolved_at IS NULL
            """, arguments: [vendor.rawValue, endpoint.name]))
    }

    /// Resolves the unresolved sightings of a document read since (`key`), or of whole
    /// responses (`key` nil) once a later read completed.
    package static func resolveQuarantine(_ db: Database, vendor: VendorID, endpoint: Endpoint, key: String?, now: String) throws {
        try db.cachedStatement(sql: """
            UPDATE quarantine SET resolved_at = ? WHERE vendor = ? AND endpoint = ? AND document_key IS ? AND resolved_at IS NULL
            """).execute(arguments: [now, vendor.rawValue, endpoint.name, key])
    }

    /// Completes a window's ledger row opened by `record` with what the caller stored itself.
    package static func finish(_ db: Database, ingestID: Int64, outcome: WindowOutcome) throws {
        try db.execute(sql: "UPDATE ingest_runs SET documents = ?, documents_changed = ?, quarantined = ?, status = ? WHERE ingest_id = ?",
                       arguments: [outcome.documents, outcome.documentsChanged, outcome.quarantined,
                                   outcome.quarantined > 0 ? "partial" : "ok", ingestID])
    }
}
