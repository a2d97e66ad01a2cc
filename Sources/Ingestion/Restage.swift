import Foundation
import GRDB
import Warehouse

/// Rebuilding staging from stored raw bytes with the current decoder (`billwh rederive`): the
/// fix path after a decoder change or a vendor's drift, with no vendor call. Idempotent: a
/// document whose lines come out as they are stored is left alone, so a second run (or one
/// resumed after a kill) writes nothing it already wrote.
extension IngestWriter {
    /// What rederiving one document did.
    package enum Restaged: Sendable, Equatable {
        /// Its lines decode as stored.
        case unchanged
        /// Its lines were written again (this many).
        case restaged(lines: Int)
        /// A quarantined version now decodes and was made current (this many lines).
        case released(lines: Int)
        /// A quarantined version now decodes, but a newer version is current: its sighting is resolved.
        case superseded
        /// It does not decode with the current decoder: quarantined with the reason.
        case rejected(String)
    }

    /// Rederives the current version `rawID` of a document from `document`, its stored bytes
    /// decoded again. `ingestID`: the ingest that fetched those bytes.
    package static func restage(_ db: Database, vendor: VendorID, endpoint: Endpoint, rawID: Int64, ingestID: Int64,
                               document: StreamedDocument) throws -> Restaged {
        var context = try restageContext(db, vendor: vendor, endpoint: endpoint, ingestID: ingestID)
        let header: DocumentHeader, source: LineSource
        switch document.result {
        case .failure(let rejection):
            try context.quarantine(raw: document.raw, hash: document.contentHash, key: document.keyHint, kind: .rejected, reason: rejection.reason)
            return .rejected(rejection.reason)
        case .success(let decoded):
            (header, source) = decoded
        }
        let lines: [StagingLine]
        do { lines = try source.collect() } catch {
            try context.quarantine(raw: document.raw, hash: document.contentHash, key: header.key, kind: .rejected, reason: error.reason)
            return .rejected(error.reason)
        }
        // A cross-check document (2tCloud's consolidated invoices) is kept raw only: it has no
        // staged lines to compare or write, so decoding it is all there is to check.
        if try !endpoint.direction.isStaged || context.storedLines(rawID: rawID, header: header) == lines {
            try context.resolveSuperseded(key: header.key, rawID: rawID, hash: document.contentHash)
            return .unchanged
        }
        try context.replaceLines(rawID: rawID, header: header, lines: lines)
        try context.resolveSuperseded(key: header.key, rawID: rawID, hash: document.contentHash)
        return .restaged(lines: lines.count)
    }

    /// Rederives a document that was quarantined (`seenAt`: when those bytes were last fetched).
    /// If it decodes now, it becomes current unless a version fetched later is current already.
    package static func release(_ db: Database, vendor: VendorID, endpoint: Endpoint, ingestID: Int64, seenAt: String,
                               document: StreamedDocument) throws -> Restaged {
        let context = try restageContext(db, vendor: vendor, endpoint: endpoint, ingestID: ingestID)
        guard case .success(let (header, source)) = document.result else {
            if case .failure(let rejection) = document.result { return .rejected(rejection.reason) }
            return .rejected("")
        }
        let lines: [StagingLine]
        do { lines = try source.collect() } catch { return .rejected(error.reason) }
        let currentFetchedAt = try String.fetchOne(db, sql: """
            SELECT r.fetched_at FROM documents d JOIN raw_documents r ON r.raw_id = d.current_raw_id
            WHERE d.vendor = ? AND d.endpoint = ? AND d.document_key = ?
            """, arguments: [vendor.rawValue, endpoint.name, header.key])
        if let currentFetchedAt, currentFetchedAt > seenAt {
            try db.execute(sql: "UPDATE quarantine SET resolved_at = ? WHERE vendor = ? AND endpoint = ? AND content_sha256 = ? AND resolved_at IS NULL",
                           arguments: [context.now, vendor.rawValue, endpoint.name, document.contentHash])
            return .superseded
        }
        // What the document lacks was said when it was read.
        var absent = AbsentFields()
        let stored = try context.store(raw: document.raw, hash: document.contentHash, header: header, lines: LineSource(lines),
                                       absent: &absent)
        try context.queue.flush()
        try db.execute(sql: "UPDATE quarantine SET resolved_at = ? WHERE vendor = ? AND endpoint = ? AND content_sha256 = ? AND resolved_at IS NULL",
                       arguments: [context.now, vendor.rawValue, endpoint.name, document.contentHash])
        return .released(lines: stored.lines)
    }

    /// Resolves a quarantine sighting whose documents have all been read since.
    package static func resolveQuarantine(_ db: Database, id: Int64) throws {
        try db.execute(sql: "UPDATE quarantine SET resolved_at = ? WHERE quarantine_id = ? AND resolved_at IS NULL",
                       arguments: [Timestamp.now(), id])
    }

    static func restageContext(_ db: Database, vendor: VendorID, endpoint: Endpoint, ingestID: Int64) throws -> Context {
        try Context(db: db, vendor: vendor, endpoint: endpoint, ingestID: ingestID, now: Timestamp.now(),
                    recentTier: try MatchGroupIndex.tier(db, to: .stagingLines))
    }
}

extension IngestWriter.Context {
    /// The document's staged lines as the decoder would give them, or nil when a line's
    /// document fields no longer match the header (its date, type or currency changed).
    func storedLines(rawID: Int64, header: DocumentHeader) throws -> [StagingLine]? {
        var lines: [StagingLine] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT document_date, document_type, currency, customer_key, customer_account_id, customer_number, customer_name,
                   subscription_id, subscription_name, line_ref, uid, row_hash, sku, description, charge_type, quantity,
                   quantity_norm, unit_price_micros, amount_micros, vat_micros, period_start, period_end
            FROM staging_lines WHERE raw_id = ? ORDER BY line_index
            """, arguments: [rawID])
        while let row = try rows.next() {
            guard (row["document_date"] as String?) == header.date.description, (row["document_type"] as String?) == header.type,
                  (row["currency"] as String?) == header.currency else { return nil }
            var line = StagingLine(amount: Money(micros: row["amount_micros"]))
            line.customerKey = row["customer_key"]
            line.customerAccountID = row["customer_account_id"]
            line.customerNumber = row["customer_number"]
            line.customerName = row["customer_name"]
            line.subscriptionID = row["subscription_id"]
            line.subscriptionName = row["subscription_name"]
            line.lineRef = row["line_ref"]
            line.uid = row["uid"]
            line.rowHash = row["row_hash"]
            line.sku = row["sku"]
            line.description = row["description"]
            line.chargeType = row["charge_type"]
            line.quantity = row["quantity"]
            line.quantityNorm = row["quantity_norm"]
            line.unitPrice = (row["unit_price_micros"] as Int64?).map(Money.init(micros:))
            line.vat = (row["vat_micros"] as Int64?).map(Money.init(micros:))
            line.periodStart = (row["period_start"] as String?).flatMap { CalendarDate(parsing: $0) }
            line.periodEnd = (row["period_end"] as String?).flatMap { CalendarDate(parsing: $0) }
            lines.append(line)
        }
        return lines
    }

    /// Queues the groups of the document's stored lines, replaces them with `lines` and queues
    /// theirs: what a new version of the document does, for the same raw bytes.
    func replaceLines(rawID: Int64, header: DocumentHeader, lines: [StagingLine]) throws {
        try ReconcileQueue(db).enqueueStagedLines(where: "s.raw_id = ?", arguments: [rawID])
        try db.cachedStatement(sql: "DELETE FROM staging_lines WHERE raw_id = ?").execute(arguments: [rawID])
        var touched = TouchedGroups()
        let insert: Statement
        if let lineStatement {
            insert = lineStatement
        } else {
            insert = try Self.lineInsert(db)
            bindWindow(lines: insert)
        }
        bindDocument(insert, header: header, date: header.date.description, rawID: rawID)
        let text = LineText()
        for (index, line) in lines.enumerated() {
            try insertLine(line, index: index, statement: insert, text: text)
            touched.add(customerKey: line.customerKey, rowHash: line.rowHash, periodStart: line.periodStart)
        }
        try ReconcileQueue(db).enqueue(touched, vendor: vendor.rawValue, month: String(header.date.description.prefix(7)))
        try db.cachedStatement(sql: """
            UPDATE documents SET document_date = ?, stated_total_micros = ?, changed_at = ?
            WHERE vendor = ? AND endpoint = ? AND document_key = ?
            """).execute(arguments: [header.date.description, header.statedTotal?.micros, now, vendor.rawValue, endpoint.name, header.key])
    }

    /// What the current version, decoding now, settles: its own bytes if an earlier decoder
    /// quarantined them, and versions last seen by an earlier window than the one that fetched
    /// it (window ids grow; timestamps have seconds only). A version seen after it that still
    /// fails to decode stays quarantined: it is the vendor's newest word.
    func resolveSuperseded(key: String, rawID: Int64, hash: String) throws {
        guard quarantineUnresolved else { return }
        try db.cachedStatement(sql: """
            UPDATE quarantine SET resolved_at = ?
            WHERE vendor = ? AND endpoint = ? AND resolved_at IS NULL
              AND (content_sha256 = ? OR (document_key = ? AND ingest_id < (SELECT ingest_id FROM raw_documents WHERE raw_id = ?)))
            """).execute(arguments: [now, vendor.rawValue, endpoint.name, hash, key, rawID])
    }
}
