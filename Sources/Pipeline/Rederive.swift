import Foundation
import GRDB
import Ingestion
import Reconciliation
import Vendors
import Warehouse

/// What `billwh rederive` did.
package struct RederiveReport: Sendable {
    package var documents = 0
    package var unchanged = 0
    package var restaged = 0
    package var released = 0
    package var superseded = 0
    package var lines = 0
    /// Quarantined items no decoder lifts (a second document under one key, credentials in it).
    package var keptInQuarantine = 0
    /// Documents the current decoder rejects (kept in quarantine with the reason).
    package var rejected: [(document: String, reason: String)] = []
    package var reconcile: ReconcileReport?

    package var outcome: RunOutcome { rejected.isEmpty && keptInQuarantine == 0 ? .ok : .partial }
}

extension PipelineRunner {
    /// Documents rederived per transaction: a kill loses at most one batch, redone next time.
    static let rederiveBatch = 100

    /// `billwh rederive`: rebuilds staging from the stored raw documents with the current
    /// decoder, releases quarantined documents that decode now, then reconciles. No vendor call.
    package func rederive(vendors: [VendorID]?, window: DateWindow?) async throws -> RederiveReport {
        let wanted = vendors ?? Self.rederivableVendors
        if let problem = Self.unrederivable(wanted) { throw SettingsError.invalid(problem) }
        let lock = try RunLock.acquire(databasePath: databasePath, command: "rederive")
        defer { lock.release() }
        let database = try WarehouseDatabase.openForWriting(path: databasePath, access: settings.fileAccess)
        // Rederive reads every stored page: damage there is the file's, not the vendor's.
        try WarehouseDatabase.quickCheck(database, backupDirectory: settings.backup?.directory)
        let runID = try startRun(database, command: "rederive")
        var report = RederiveReport()
        let vendorList = wanted.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let (from, to) = (window?.start.description, window?.end.description)

        // Current versions, in batches by raw id.
        let current = try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.vendor, d.endpoint, d.document_key, r.raw_id, r.endpoint_version, r.ingest_id
                FROM documents d JOIN raw_documents r ON r.raw_id = d.current_raw_id
                WHERE d.vendor IN (\(vendorList)) AND (?1 IS NULL OR d.document_date >= ?1) AND (?2 IS NULL OR d.document_date <= ?2)
                ORDER BY r.raw_id
                """, arguments: [from, to]).map { row in
                (vendor: VendorID(rawValue: row["vendor"]), endpoint: row["endpoint"] as String, key: row["document_key"] as String,
                 rawID: row["raw_id"] as Int64, version: row["endpoint_version"] as String, ingestID: row["ingest_id"] as Int64)
            }
        }
        for (number, batch) in current.chunked(Self.rederiveBatch).enumerated() {
            let outcomes = try await WarehouseWriteError.writing(database, "rederive batch \(number + 1)") { [settings, databasePath] db in
                try batch.map { item in try Self.restageCurrent(db, item, settings: settings, databasePath: databasePath) }
            }
            for (label, outcome) in outcomes { report.count(outcome, label: label) }
            progress?("rederive: \(min((number + 1) * Self.rederiveBatch, current.count))/\(current.count) documents")
        }

        // Quarantined bytes, documents or whole responses, that may decode now; not those kept
        // out for what they are rather than how they decode.
        let rejected = QuarantineKind.rejected.rawValue
        report.keptInQuarantine = try await database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM quarantine q WHERE q.resolved_at IS NULL AND q.vendor IN (\(vendorList)) AND q.kind <> ?
                """, arguments: [rejected]) ?? 0
        }
        let quarantined = try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT q.quarantine_id, q.vendor, q.endpoint, q.last_seen_at, q.ingest_id, r.endpoint_version
                FROM quarantine q JOIN ingest_runs r ON r.ingest_id = q.ingest_id
                WHERE q.resolved_at IS NULL AND q.vendor IN (\(vendorList)) AND q.kind = ? ORDER BY q.quarantine_id
                """, arguments: [rejected]).map { row in
                QuarantinedItem(id: row["quarantine_id"], vendor: VendorID(rawValue: row["vendor"]), endpoint: row["endpoint"],
                                seenAt: row["last_seen_at"], ingestID: row["ingest_id"], version: row["endpoint_version"])
            }
        }
        for item in quarantined {
            guard let endpoint = Self.endpoint(item.vendor, item.endpoint, version: item.version, settings: settings),
                  endpoint.direction.isStaged else { continue }
            let outcomes = try await WarehouseWriteError.writing(database, "rederive quarantine \(item.id)") { db in
                try Self.release(db, item, endpoint: endpoint, window: window)
            }
            for (label, outcome) in outcomes { report.count(outcome, label: label) }
        }

        report.reconcile = try await WarehouseWriteError.writing(database, "the reconcile") { db in try Reconciler.reconcile(db) }
        let summary = "\(report.documents) documents: \(report.unchanged) unchanged, \(report.restaged) restaged, \(report.released) released from quarantine, \(report.rejected.count) rejected, \(report.keptInQuarantine) kept in quarantine"
        try finishRun(database, runID: runID, outcome: report.outcome, summary: summary)
        return report
    }

    /// The vendors whose documents billwh keeps and can decode again.
    package static let rederivableVendors: [VendorID] = [.copaco, .twotcloud]

    /// Why `vendors` cannot be rederived, if one of them cannot.
    package static func unrederivable(_ vendors: [VendorID]) -> String? {
        vendors.first { !rederivableVendors.contains($0) }.map { other in
            "rederive reads invoice documents (copaco, twotcloud), not \(other): Copper's companies are read from Copper by nightly (every one of them again when the customer-number field changed, and weekly)"
        }
    }

    typealias CurrentItem = (vendor: VendorID, endpoint: String, key: String, rawID: Int64, version: String, ingestID: Int64)

    struct QuarantinedItem: Sendable {
        var id: Int64
        var vendor: VendorID
        var endpoint: String
        var seenAt: String
        var ingestID: Int64
        var version: String
    }

    /// Rederives one current document from its stored bytes.
    static func restageCurrent(_ db: Database, _ item: CurrentItem, settings: Settings, databasePath: String) throws -> (String, IngestWriter.Restaged) {
        let label = "\(item.vendor)/\(item.endpoint) \(item.key)"
        guard let endpoint = endpoint(item.vendor, item.endpoint, version: item.version, settings: settings),
              let row = try Row.fetchOne(db, sql: "SELECT payload, content_sha256 FROM raw_documents WHERE raw_id = ?", arguments: [item.rawID]),
              let payload = row["payload"] as Data?,
              let stream = StoredDocuments.stream(Array(payload), vendor: item.vendor, endpoint: endpoint) else {
            return (label, .unchanged)
        }
        /// A stored document that no longer reads: its bytes may no longer be those stored.
        func rejected(_ reason: String) throws -> (String, IngestWriter.Restaged) {
            guard sha256Hex(Array(payload)) == row["content_sha256"] as String? else {
                throw WarehouseDamaged(path: databasePath, detail: "raw document \(item.rawID) (\(label)) no longer matches its SHA-256",
                                       newestBackup: WarehouseBackup.newest(databasePath: databasePath, directory: settings.backup?.directory))
            }
            return (label, .rejected(reason))
        }
        let document: StreamedDocument?
        do { document = try stream.next() } catch { return try rejected(error.reason) }
        guard let document else { return try rejected("the stored bytes hold no document") }
        if case .failure(let rejection) = document.result { return try rejected(rejection.reason) }
        return (label, try IngestWriter.restage(db, vendor: item.vendor, endpoint: endpoint, rawID: item.rawID,
                                                ingestID: item.ingestID, document: document))
    }

    /// Tries the documents of one quarantined payload again; resolves the payload's own sighting
    /// once all of them are in.
    static func release(_ db: Database, _ item: QuarantinedItem, endpoint: Endpoint, window: DateWindow?) throws -> [(String, IngestWriter.Restaged)] {
        guard let payload = try Data.fetchOne(db, sql: "SELECT payload FROM quarantine WHERE quarantine_id = ?", arguments: [item.id]),
              let stream = StoredDocuments.stream(Array(payload), vendor: item.vendor, endpoint: endpoint) else { return [] }
        var outcomes: [(String, IngestWriter.Restaged)] = []
        var allDone = true
        do {
            while let document = try stream.next() {
                let label = "\(item.vendor)/\(item.endpoint) \(document.keyHint ?? "(no id)")"
                if case .success(let decoded) = document.result, let window, !window.contains(decoded.header.date) {
                    allDone = false
                    continue
                }
                let outcome = try IngestWriter.release(db, vendor: item.vendor, endpoint: endpoint, ingestID: item.ingestID,
                                                       seenAt: item.seenAt, document: document)
                if case .rejected = outcome { allDone = false }
                outcomes.append((label, outcome))
            }
        } catch let rejection as DocumentRejection {
            return [("\(item.vendor)/\(item.endpoint) (whole response)", .rejected(rejection.reason))]
        }
        if allDone && !outcomes.isEmpty {
            try IngestWriter.resolveQuarantine(db, id: item.id)
        }
        return outcomes
    }

    /// The endpoint a stored document came from, at the version it was fetched with.
    static func endpoint(_ vendor: VendorID, _ name: String, version: String, settings: Settings) -> Endpoint? {
        switch vendor {
        case .copaco:
            var copaco = settings.copaco ?? CopacoConnector.Settings(apiKey: Secret(""))
            copaco.apiVersion = version
            let connector = CopacoConnector(settings: copaco)
            return [connector.invoices, connector.customerSpecifications].first { $0.name == name }
        case .twotcloud:
            var twotcloud = settings.twotcloud ?? TwoTCloudConnector.Settings(accountID: "", apiKey: Secret(""))
            twotcloud.version = version
            let connector = TwoTCloudConnector(settings: twotcloud)
            return [connector.invoices, connector.customerInvoices, connector.consolidatedInvoices].first { $0.name == name }
        default:
            return nil
        }
    }
}

extension RederiveReport {
    mutating func count(_ outcome: IngestWriter.Restaged, label: String) {
        documents += 1
        switch outcome {
        case .unchanged: unchanged += 1
        case .restaged(let n): restaged += 1; lines += n
        case .released(let n): released += 1; lines += n
        case .superseded: superseded += 1
        case .rejected(let reason): rejected.append((label, reason))
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
