import Foundation
import GRDB
import GRDBSQLite
import Warehouse

/// What one window of one endpoint brought, for the ledger.
package struct WindowOutcome: Sendable, Equatable {
    package var documents = 0
    package var documentsChanged = 0
    package var lines = 0
    package var quarantined = 0
    package init() {}
}

/// What a quarantined item is (`quarantine.kind`): what may be done with it later.
package enum QuarantineKind: String, Sendable {
    /// The decoder refused the bytes: a later decoder may read them (`rederive` tries).
    case rejected
    /// A second, different document under a key its response already used: released, it
    /// would take turns with the first on every run.
    case duplicateKey = "duplicate_key"
    /// Kept with the request's credentials replaced: no longer the vendor's bytes.
    case redacted
}

/// A document of a window that was quarantined, for the log.
package struct QuarantinedDocument: Sendable {
    package var key: String?
    package var reason: String
}

/// What recording a window did.
package struct RecordedWindow: Sendable {
    package var ingestID: Int64
    package var outcome: WindowOutcome
    package var rejected: [QuarantinedDocument]
    /// The match-group index tier its lines went to (MatchGroupIndex.tier).
    package var recentTier: Int
    /// Fields the vendor started or stopped sending, seen in this window (FieldLedger).
    package var fieldChanges: [FieldChange] = []
    /// Documents read before that this window's answer newly lacked (MissingDocuments).
    package var missingDocuments: [MissingDocuments.Missing] = []
    /// What the log should say of the window, each in words: new versions worth a look
    /// (`IngestWriter.versionWarnings`: a credit note where the one before was an invoice, or
    /// the other way round; no lines where the one before had some), fields the contract
    /// requires that they lacked (`AbsentFields`), amounts where none are read (`UnreadAmounts`).
    package var warnings: [String] = []
}

/// The ledger row of one endpoint × window.
package struct LedgerEntry: Sendable {
    package var runID: Int64
    package var vendor: VendorID
    package var endpoint: Endpoint
    package var window: DateWindow
    package var startedAt: String
    package var statistics: FetchStatistics
    package var status: String
    package var error: String?

    package init(runID: Int64, vendor: VendorID, endpoint: Endpoint, window: DateWindow, startedAt: String,
                statistics: FetchStatistics, status: String, error: String? = nil) {
        self.runID = runID
        self.vendor = vendor
        self.endpoint = endpoint
        self.window = window
        self.startedAt = startedAt
        self.statistics = statistics
        self.status = status
        self.error = error
    }
}

/// Writes raw documents, staging lines, quarantine and the ledger row of one window, all in the
/// caller's transaction: a crash leaves either all of the window or none of it.
package enum IngestWriter {
    static let secondDocumentUnderOneKey = "a second, different document under the same key in one response"
    static let credentialsRedacted = "(credentials in it redacted)"


    /// Records a window, returning the ledger id.
    @discardableResult
    package static func record(_ db: Database, entry: LedgerEntry, documents: [FetchedDocument],
                              bodyRejection: (body: BodySpool, rejection: DocumentRejection)? = nil, redacting echo: CredentialEcho? = nil,
                              recentTierHolds: Int = MatchGroupIndex.settleAbove) throws -> RecordedWindow {
        try record(db, entry: entry, stream: .eager { documents }, bodyRejection: bodyRejection, redacting: echo, recentTierHolds: recentTierHolds)
    }

    /// Records a window whose documents are decoded as they are written. Throws the stream's
    /// `DocumentRejection` when the body turns out unusable part way: the caller's transaction
    /// must then be rolled back and the body recorded as rejected.
    /// `recentTierHolds`: the window's documents go to the recent tier of the match-group index
    /// while it holds no more than this many lines (MatchGroupIndex.tier), counting the lines
    /// the window wrote before them: a window of a million lines fills it and goes on in the
    /// settled tier, instead of growing a small index far past its size.
    /// `recentTierFull`: an earlier window of the run found it full, so this one need not
    /// count it (nothing settles during an ingest; either tier is correct for any row).
    /// `bulkLoad`: the run is a bulk load, so lines bound for the settled tier are written
    /// without its index (MatchGroupIndex.dropSettledLinesIndex); the caller builds it again.
    /// `bulkLoadAfter`: the run becomes one once this window has written more lines than this
    /// (checked before each document, so that one large window is a bulk load too).
    /// `progress`: told what the window has written so far, at most once per `progressEvery`
    /// (a window of one large response takes minutes).
    package static func record(_ db: Database, entry: LedgerEntry, stream: DocumentStream,
                              bodyRejection: (body: BodySpool, rejection: DocumentRejection)? = nil, redacting echo: CredentialEcho? = nil,
                              recentTierHolds: Int = MatchGroupIndex.settleAbove, recentTierFull: Bool = false,
                              bulkLoad: Bool = false, bulkLoadAfter: Int? = nil,
                              progress: (@Sendable (WindowOutcome) -> Void)? = nil,
                              progressEvery: Duration = .milliseconds(500)) throws -> RecordedWindow {
        let now = Timestamp.now()
        try db.execute(
            sql: """
                INSERT INTO ingest_runs (run_id, vendor, endpoint, endpoint_version, window_start, window_end,
                    started_at, finished_at, status, requests, retries, pages, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                """,
            arguments: [entry.runID, entry.vendor.rawValue, entry.endpoint.name, entry.endpoint.version,
                        entry.window.start.description, entry.window.end.description, entry.startedAt, now,
                        entry.status, entry.statistics.requests, entry.statistics.retries, entry.error])
        let ingestID = db.lastInsertedRowID
        var outcome = WindowOutcome()
        let recentRows = recentTierFull ? nil : try MatchGroupIndex.recentRows(db, .stagingLines)
        // Recent while it has room: `chooseTier` moves to the settled tier once it has none.
        var context = try Context(db: db, vendor: entry.vendor, endpoint: entry.endpoint, ingestID: ingestID, now: now,
                                  recentTier: recentRows == nil ? 0 : 1, echo: echo)
        var settledIndexDropped = false
        /// Before each document: the tier its lines go to, and whether the settled index goes.
        func chooseTier() throws {
            if context.recentTier == 1, let recentRows, recentRows + outcome.lines > recentTierHolds { context.recentTier = 0 }
            let bulk = bulkLoad || bulkLoadAfter.map { outcome.lines > $0 } == true
            if bulk && context.recentTier == 0 && !settledIndexDropped {
                try MatchGroupIndex.dropSettledLinesIndex(db)
                settledIndexDropped = true
            }
        }
        try chooseTier()
        if let bodyRejection {
            try context.quarantine(spooled: bodyRejection.body, reason: "whole response: \(context.redacting(bodyRejection.rejection.reason))")
            outcome.quarantined += 1
        }
        var rejected: [QuarantinedDocument] = []
        var reported = ContinuousClock.now
        // The keys this response's documents were stored under (a second, different document
        // under one of them would silently replace the first one's lines) and those it
        // quarantined (a document the answer holds, though it is no longer readable). One
        // quarantined without a readable key may be any stored document: then the answer
        // cannot tell which are missing.
        var keys = WindowKeys()
        var quarantinedWithoutKey = false
        var versionWarnings: [String] = []
        var absent = AbsentFields()
        while let document = try stream.next() {
            if let progress, reported.duration(to: .now) >= progressEvery {
                reported = .now
                progress(outcome)
            }
            try chooseTier()
            let rejection: DocumentRejection
            var kind = QuarantineKind.rejected
            switch document.result {
            case .success(let (header, lines)):
                // Computed once per document: it is looked up, and then stored.
                let fingerprint = WindowKeys.Fingerprint(header.key)
                if keys.holds(fingerprint) {
                    let firstStored = keys.wasStored(fingerprint)
                    // The same bytes again change nothing, and are not counted twice.
                    if try firstStored && context.isCurrent(key: header.key, hash: document.contentHash) { continue }
                    // Whichever of the two decodes: a key the response already used is a conflict.
                    rejection = DocumentRejection(
                        "Header.InvoiceID \(header.key.prefix(80)): \(Self.secondDocumentUnderOneKey); "
                        + (firstStored ? "the first one is kept" : "the first one did not decode and is quarantined too")
                        + " (each document has its own InvoiceID): ask the vendor which one stands")
                    kind = .duplicateKey
                    break
                }
                do {
                    let stored = try context.store(raw: document.raw, hash: document.contentHash, header: header, lines: lines,
                                                   absent: &absent)
                    versionWarnings += stored.warnings
                    outcome.documents += 1
                    outcome.lines += stored.lines
                    if stored.changed { outcome.documentsChanged += 1 }
                    keys.store(fingerprint)
                    continue
                } catch let lineRejection as DocumentRejection {
                    rejection = lineRejection
                }
            case .failure(let documentRejection):
                rejection = documentRejection
            }
            outcome.quarantined += 1
            if let key = document.keyHint, !key.isEmpty { keys.quarantine(key) } else { quarantinedWithoutKey = true }
            // A key or a reason (which may quote the document) must not carry the credentials
            // into the tables and the log either.
            let (key, reason) = (document.keyHint.map(context.redacting), context.redacting(rejection.reason))
            rejected.append(QuarantinedDocument(key: key, reason: reason))
            try context.quarantine(raw: document.raw, hash: document.contentHash, key: key, kind: kind, reason: reason)
        }
        try context.queue.flush()
        var fieldChanges: [FieldChange] = []
        var missing: [MissingDocuments.Missing] = []
        if bodyRejection == nil && entry.status == "ok" {
            try context.resolveWholeResponseQuarantine()
            fieldChanges = try FieldLedger.record(db, census: stream.census, vendor: entry.vendor, endpoint: entry.endpoint,
                                                  ingestID: ingestID, now: now)
            if !quarantinedWithoutKey {
                missing = try MissingDocuments.record(db, vendor: entry.vendor, endpoint: entry.endpoint, window: entry.window,
                                                      holds: { keys.holds($0) },
                                                      ingestID: ingestID, now: now)
            }
        }
        let status = entry.status == "ok" && outcome.quarantined > 0 ? "partial" : entry.status
        try db.execute(
            sql: """
                UPDATE ingest_runs SET documents = ?, documents_changed = ?, lines = ?, quarantined = ?, status = ?
                WHERE ingest_id = ?
                """,
            arguments: [outcome.documents, outcome.documentsChanged, outcome.lines, outcome.quarantined, status, ingestID])
        return RecordedWindow(ingestID: ingestID, outcome: outcome, rejected: rejected, recentTier: context.recentTier,
                              fieldChanges: fieldChanges, missingDocuments: missing,
                              warnings: versionWarnings + absent.warnings
                                + (entry.endpoint.direction.isStaged ? UnreadAmounts.warnings(stream.census) : []))
    }

    struct Context {
        let db: Database
        let vendor: VendorID
        let endpoint: Endpoint
        let ingestID: Int64
        let now: String
        /// The match-group index tier of the lines of the document written next (MatchGroupIndex.tier).
        var recentTier: Int
        /// Whether a sighting in quarantine may be resolved by a document of this window (one
        /// was open when it began, or it quarantined something): when none is, a response of
        /// many small documents spares an UPDATE for each.
        private(set) var quarantineUnresolved: Bool
        /// The window's staging insert, prepared once.
        let lineStatement: Statement?
        /// The request's credentials: a quarantined answer that echoes them is kept without them.
        let echo: CredentialEcho?
        /// The window's other statements for each document, prepared once.
        let statements: DocumentStatements
        /// The new lines' customers and groups, queued a few documents at a time.
        let queue: ReconcileQueueBatch

        init(db: Database, vendor: VendorID, endpoint: Endpoint, ingestID: Int64, now: String, recentTier: Int,
             echo: CredentialEcho? = nil) throws {
            self.echo = echo.flatMap { $0.isEmpty ? nil : $0 }
            self.db = db
            self.vendor = vendor
            self.endpoint = endpoint
            self.ingestID = ingestID
            self.now = now
            self.recentTier = recentTier
            quarantineUnresolved = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM quarantine WHERE vendor = ? AND endpoint = ? AND resolved_at IS NULL)
                """, arguments: [vendor.rawValue, endpoint.name]) == true
            lineStatement = endpoint.direction.isStaged ? try Self.lineInsert(db) : nil
            statements = try DocumentStatements(db)
            queue = ReconcileQueueBatch(db: db, vendor: vendor.rawValue)
            bindWindow()
        }

        /// Binds what every document of the window shares, once: SQLite keeps bindings across
        /// resets, and a response of one-line documents would copy these texts for each.
        func bindWindow() {
            let (vendor, endpoint) = (vendor.rawValue, endpoint)
            for statement in [statements.lookUp, statements.rawInsert, statements.documentUpsert] {
                Self.bind(statement.sqliteStatement, 1, vendor); Self.bind(statement.sqliteStatement, 2, endpoint.name)
            }
            let raw = statements.rawInsert.sqliteStatement
            Self.bind(raw, 3, endpoint.version); Self.bind(raw, 8, now); sqlite3_bind_int64(raw, 9, ingestID)
            let upsert = statements.documentUpsert.sqliteStatement
            Self.bind(upsert, 4, endpoint.direction.rawValue); Self.bind(upsert, 7, now)
            if let lineStatement { bindWindow(lines: lineStatement) }
        }

        /// The same for a staging insert (`lineInsert`).
        func bindWindow(lines statement: Statement) {
            let handle = statement.sqliteStatement
            Self.bind(handle, 2, vendor.rawValue); Self.bind(handle, 3, endpoint.name); Self.bind(handle, 4, endpoint.direction.rawValue)
        }

        /// `text` without the request's credentials.
        func redacting(_ text: String) -> String {
            echo?.redacting(text) ?? text
        }

        mutating func quarantine(raw: ArraySlice<UInt8>, hash: String, key: String?, kind: QuarantineKind, reason: String) throws {
            quarantineUnresolved = true
            if let echo, echo.isEchoed(in: raw) {
                try upsertQuarantine(key: key, kind: .redacted,
                                     reason: reason == CredentialEcho.reason ? reason : "\(reason) \(IngestWriter.credentialsRedacted)",
                                     hash: hash, payload: "?", Data(echo.redacting(Array(raw))))
                return
            }
            try upsertQuarantine(key: key, kind: kind, reason: reason, hash: hash, payload: "?", Data(raw))
        }

        /// The same bad bytes seen again update the sighting, not a new row: re-runs stay
        /// idempotent. `payload` is the SQL of the payload's value, bound to `value`.
        private func upsertQuarantine(key: String?, kind: QuarantineKind, reason: String, hash: String, payload: String,
                                      _ value: some DatabaseValueConvertible) throws {
            try db.execute(
                sql: """
                    INSERT INTO quarantine (vendor, endpoint, document_key, kind, reason, content_sha256,
                        first_seen_at, last_seen_at, ingest_id, payload)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, \(payload))
                    ON CONFLICT (vendor, endpoint, content_sha256) DO UPDATE SET
                        last_seen_at = excluded.last_seen_at, kind = excluded.kind, reason = excluded.reason, resolved_at = NULL,
                        ingest_id = excluded.ingest_id
                    """,
                arguments: [vendor.rawValue, endpoint.name, key, kind.rawValue, reason, hash, now, now, ingestID, value])
        }

        /// A whole response, from its copy on disk: written into the row's blob piece by piece,
        /// so that a body of any size is quarantined without being held in memory.
        mutating func quarantine(spooled body: BodySpool, reason whole: String) throws {
            quarantineUnresolved = true
            // An answer that echoes the credentials (a proxy's page showing the request) is kept
            // with them redacted; the search runs in the same pass as the hash, and the redacted
            // copy is made piece by piece too. content_sha256 stays that of the bytes received.
            var hasher = ContentHasher()
            var search = echo.map(CredentialEcho.Search.init)
            try body.forEachPiece { piece, _ in
                hasher.update(piece)
                search?.feed(piece)
            }
            let hash = hasher.finalize()
            if let echo, search?.found == true {
                try quarantineWhole(try body.redacted(by: echo), kind: .redacted, reason: "\(whole) \(IngestWriter.credentialsRedacted)", hash: hash)
            } else {
                try quarantineWhole(body, kind: .rejected, reason: whole, hash: hash)
            }
        }

        private func quarantineWhole(_ body: BodySpool, kind: QuarantineKind, reason whole: String, hash: String) throws {
            // A blob cannot exceed SQLite's length limit (1 GB unless built otherwise): a larger
            // body keeps its start, and the reason says how much of it.
            // The limit is on the whole row, so the other columns need their share of it.
            let limit = Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, -1))
            let kept = min(body.size, limit - min(limit / 10, 1 << 20))
            let reason = kept < body.size
                ? "\(whole) (the first \(kept) of its \(body.size) bytes are kept: more than SQLite's largest value; content_sha256 is of all of them)"
                : whole
            let seen = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM quarantine WHERE vendor = ? AND endpoint = ? AND content_sha256 = ?)",
                                         arguments: [vendor.rawValue, endpoint.name, hash]) == true
            // A new row is filled piece by piece from the copy; a sighting already holds the bytes.
            try upsertQuarantine(key: nil, kind: kind, reason: reason, hash: hash, payload: "zeroblob(?)", kept)
            guard !seen else { return }
            try BlobWriter.write(db, table: "quarantine", column: "payload", row: db.lastInsertedRowID) { write in
                try body.forEachPiece { piece, offset in
                    guard offset < kept else { return }
                    try write(UnsafeRawBufferPointer(rebasing: piece[..<min(piece.count, kept - offset)]), offset)
                }
            }
        }

        /// What was quarantined without a readable key — a whole response that could not be
        /// read (cut-off HTML from a proxy, say), a document without its `Header` — cannot be
        /// resolved by a later version of its document. Once every day of its window has been
        /// read fine since it was last seen (by this window and others: chunk boundaries move
        /// with the lookback) without those bytes turning up again, what it stood for has been
        /// read, and the sighting is resolved too. (Bytes seen again in this very window were
        /// re-sighted above, under this ingest, so this window does not resolve them.)
        func resolveWholeResponseQuarantine() throws {
            let pending = try Row.fetchAll(db, sql: """
                SELECT q.quarantine_id, r.ingest_id, r.window_start, r.window_end
                FROM quarantine q JOIN ingest_runs r ON r.ingest_id = q.ingest_id
                WHERE q.vendor = ? AND q.endpoint = ? AND q.document_key IS NULL AND q.resolved_at IS NULL
                """, arguments: [vendor.rawValue, endpoint.name])
            for row in pending {
                let start: String = row["window_start"], end: String = row["window_end"]
                guard let first = CalendarDate(parsing: start), let last = CalendarDate(parsing: end) else { continue }
                let reads = try Row.fetchAll(db, sql: """
                    SELECT window_start, window_end FROM ingest_runs
                    WHERE vendor = ? AND endpoint = ? AND ingest_id > ? AND status IN ('ok', 'partial')
                      AND window_end >= ? AND window_start <= ?
                    ORDER BY window_start
                    """, arguments: [vendor.rawValue, endpoint.name, row["ingest_id"] as Int64, start, end])
                // Sweep: the next day not yet covered must fall inside a read, until past the end.
                var next = first
                for read in reads {
                    guard let from = CalendarDate(parsing: read["window_start"] as String),
                          let to = CalendarDate(parsing: read["window_end"] as String) else { continue }
                    if from > next { break }
                    if to >= next { next = to.adding(days: 1) }
                }
                if next > last {
                    try db.execute(sql: "UPDATE quarantine SET resolved_at = ? WHERE quarantine_id = ?",
                                   arguments: [now, row["quarantine_id"] as Int64])
                }
            }
        }

        /// Stores the raw version if new, its lines as they are decoded, and makes it current;
        /// returns whether staging changed and how many lines the document has. A line that
        /// does not decode throws its `DocumentRejection` after this document's writes were
        /// undone (the rest of the window's transaction stands), so the caller can quarantine it.
        func store(raw: ArraySlice<UInt8>, hash: String, header: DocumentHeader, lines: LineSource,
                   absent: inout AbsentFields) throws -> (changed: Bool, lines: Int, warnings: [String]) {
            var (existing, current) = try lookUp(key: header.key, hash: hash)
            let date = header.date.description
            var count = 0
            if let existing, current == existing {
                // Already current: the document must still decode, but nothing is written.
                try lines.forEach { _ in count += 1 }
                try resolveQuarantine(key: header.key)
                return (false, count, [])
            }
            let rawID: Int64
            if let existing {
                rawID = existing
            } else {
                let insert = statements.rawInsert
                let handle = insert.sqliteStatement
                sqlite3_reset(handle)
                Self.bind(handle, 4, header.key); Self.bind(handle, 5, date); Self.bind(handle, 6, hash)
                // Bound from the response itself (SQLite copies it once): no copy of our own
                // of a document that can be tens of MB.
                try raw.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, 7, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(bytes.count), Self.static)
                    defer { sqlite3_bind_null(handle, 7) }
                    try Self.step(insert, on: db)
                }
                if sqlite3_changes(db.sqliteConnection) == 0 {
                    // These bytes are kept already, though the document has no current
                    // version (a raw row written by other means): reuse that row.
                    existing = try IngestWriter.keptRawID(db, vendor: vendor, endpoint: endpoint, key: header.key, hash: hash)
                    rawID = existing!
                } else {
                    rawID = db.lastInsertedRowID
                }
            }
            var touched = TouchedGroups()
            var warnings: [String] = []
            var seen = AbsentFields(), positive = 0
            let incoming = endpoint.direction == .incoming
            do {
                if let insert = lineStatement {
                    // The new version's lines go in beside the old ones; the old ones leave
                    // once every new line has decoded.
                    bindDocument(insert, header: header, date: date, rawID: rawID)
                    let text = LineText()
                    let counted = lines.groups != nil
                    try lines.forEach { line in
                        try insertLine(line, index: count, statement: insert, text: text)
                        seen.note(line, incoming: incoming)
                        if line.amount.micros > 0 { positive += 1 }
                        if !counted { touched.add(customerKey: line.customerKey, rowHash: line.rowHash, periodStart: line.periodStart) }
                        count += 1
                    }
                    if let groups = lines.groups { touched = groups() }
                } else {
                    try lines.forEach { _ in count += 1 }
                }
            } catch let rejection as DocumentRejection {
                try db.cachedStatement(sql: "DELETE FROM staging_lines WHERE raw_id = ?").execute(arguments: [rawID])
                if existing == nil {
                    try db.cachedStatement(sql: "DELETE FROM raw_documents WHERE raw_id = ?").execute(arguments: [rawID])
                }
                throw rejection
            }
            if endpoint.direction.isStaged {
                if let current, lineStatement != nil,
                   try sameContent(rawID, as: current, key: header.key, date: date, statedTotal: header.statedTotal) {
                    try keepLines(of: current, under: rawID, key: header.key)
                    return (false, count, [])
                }
                // The old lines' customers and groups are queued and the old lines go; then
                // the new lines'. A document never stored has no old lines: its lines are only
                // ever written here, together with its row in `documents`.
                if let current {
                    warnings = try versionWarnings(from: current, key: header.key, to: header.type, lines: count)
                    try replaceOtherVersions(key: header.key, keeping: rawID)
                }
                try queue.add(touched, month: String(date.prefix(7)))
            }
            if lineStatement != nil {
                seen.note(header, lines: count, positive: positive)
                absent.add(seen)
            }
            try resolveQuarantine(key: header.key)
            let upsert = statements.documentUpsert
            let handle = upsert.sqliteStatement
            sqlite3_reset(handle)
            Self.bind(handle, 3, header.key); Self.bind(handle, 5, date)
            sqlite3_bind_int64(handle, 6, rawID); Self.bind(handle, 8, header.statedTotal?.micros)
            sqlite3_bind_int64(handle, 9, existing == nil ? 1 : 0)
            try Self.step(upsert, on: db)
            return (true, count, warnings)
        }

        /// What a new version changes that is worth a look, in words. Only the latest version of
        /// a document counts, so its lines replace the earlier ones whatever they are: a credit
        /// note under an invoice's number (or back), or a version without lines, takes the
        /// earlier lines out of the books without an error.
        func versionWarnings(from current: Int64, key: String, to type: String?, lines: Int) throws -> [String] {
            guard let before = try Row.fetchOne(db, sql: """
                SELECT count(*) AS lines, max(document_type) AS type FROM staging_lines
                WHERE vendor = ? AND endpoint = ? AND document_key = ? AND raw_id = ?
                """, arguments: [vendor.rawValue, endpoint.name, key, current]) else { return [] }
            let linesBefore: Int = before["lines"]
            guard linesBefore > 0 else { return [] }
            var warnings: [String] = []
            if lines > 0, isCreditNote(before["type"]) != isCreditNote(type) {
                let (was, now) = isCreditNote(type) ? ("an invoice", "a credit note") : ("a credit note", "an invoice")
                warnings.append("\(key.prefix(80)): this version is \(now) where the one before was \(was); only the latest version of a "
                    + "document counts, so its lines replaced the earlier ones: ask the vendor whether it should have had a number of its own")
            }
            if lines == 0 {
                warnings.append("\(key.prefix(80)): this version has no lines where the one before had \(linesBefore); only the latest "
                    + "version of a document counts, so they no longer count: ask the vendor whether the document was withdrawn or sent incomplete")
            }
            return warnings
        }

        /// The raw row holding these bytes of the document, and the document's current raw row.
        /// A document without a current version is not looked for among the raw rows: its raw
        /// insert finds any such row itself (`store`), which spares a new document an index seek.
        func lookUp(key: String, hash: String) throws -> (existing: Int64?, current: Int64?) {
            let statement = statements.lookUp
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            defer { sqlite3_reset(handle) }
            Self.bind(handle, 3, key); Self.bind(handle, 4, hash)
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return (nil, nil) }
            guard code == SQLITE_ROW else { throw Self.failure(code, statement, on: db) }
            func id(_ column: Int32) -> Int64? {
                sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
            }
            return (id(1), id(0))
        }

        /// Whether these bytes are the document's current version.
        func isCurrent(key: String, hash: String) throws -> Bool {
            let (existing, current) = try lookUp(key: key, hash: hash)
            return existing != nil && existing == current
        }

        /// A document that decodes now resolves its earlier quarantine sightings.
        func resolveQuarantine(key: String) throws {
            guard quarantineUnresolved else { return }
            try IngestWriter.resolveQuarantine(db, vendor: vendor, endpoint: endpoint, key: key, now: now)
        }

        static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        static func lineInsert(_ db: Database) throws -> Statement {
            // Arguments are bound by bindDocument and insertLine (see `prepared`).
            try prepared(db, sql: """
                INSERT INTO staging_lines (raw_id, vendor, endpoint, direction, document_key, document_date,
                    document_type, currency, line_index, customer_key, customer_account_id, customer_number, customer_name,
                    subscription_id, subscription_name, line_ref, uid, row_hash, sku, description, charge_type,
                    quantity, quantity_norm, unit_price_micros, amount_micros, vat_micros, period_start, period_end,
                    match_group, recent)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                    ?22, ?23, ?24, ?25, ?26, ?27, ?28,
                    coalesce(?30, \(ReconcileQueue.matchGroupSQL(rowHash: "?18", periodStart: "?27"))), ?29)
                """)
        }

        struct DocumentStatements {
            let lookUp: Statement
            let rawInsert: Statement
            let documentUpsert: Statement

            init(_ db: Database) throws {
                lookUp = try prepared(db, sql: """
                    SELECT current_raw_id,
                           (SELECT raw_id FROM raw_documents WHERE vendor = ?1 AND endpoint = ?2 AND document_key = ?3 AND content_sha256 = ?4)
                    FROM documents WHERE vendor = ?1 AND endpoint = ?2 AND document_key = ?3
                    """)
                rawInsert = try prepared(db, sql: """
                    INSERT INTO raw_documents (vendor, endpoint, endpoint_version, document_key, document_date,
                        content_sha256, payload, fetched_at, ingest_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (vendor, endpoint, document_key, content_sha256) DO NOTHING
                    """)
                documentUpsert = try prepared(db, sql: """
                    INSERT INTO documents (vendor, endpoint, document_key, direction, document_date, current_raw_id,
                        versions, first_seen_at, changed_at, stated_total_micros)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8)
                    ON CONFLICT (vendor, endpoint, document_key) DO UPDATE SET
                        current_raw_id = excluded.current_raw_id, document_date = excluded.document_date,
                        versions = versions + ?9, changed_at = excluded.changed_at,
                        stated_total_micros = excluded.stated_total_micros
                    """)
            }
        }

        /// A statement of the writer's, its arguments bound through the C API (`bind`) and
        /// stepped by GRDB, which reports its errors: a StatementArguments array boxes each
        /// value (an existential and an allocation apiece), 8% of a 1M-line ingest, and a
        /// response of many small documents pays that for each. One (null) GRDB binding marks
        /// the arguments as set, so that GRDB does not ask for its own.
        /// Not from GRDB's statement cache: a cached one of the same SQL, executed elsewhere with
        /// arguments, would have GRDB bind its own again over ours.
        static func prepared(_ db: Database, sql: String) throws -> Statement {
            let statement = try db.makeStatement(sql: sql)
            let count = Int(sqlite3_bind_parameter_count(statement.sqliteStatement))
            statement.setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: count)))
            return statement
        }

        /// Steps one of the writer's statements that returns no row, through the C API: GRDB's
        /// `execute` checks, on each call, what none of these statements needs (observers,
        /// suspension, the transaction's state), and a window of small documents makes
        /// millions of such calls.
        static func step(_ statement: Statement, on db: Database) throws {
            let code = sqlite3_step(statement.sqliteStatement)
            guard code == SQLITE_DONE else { throw failure(code, statement, on: db) }
        }

        /// The error GRDB would have thrown for a step that failed with `code`.
        static func failure(_ code: Int32, _ statement: Statement, on db: Database) -> DatabaseError {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(statement.sqliteStatement)
            return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }

        static func bind(_ handle: OpaquePointer, _ column: Int32, _ value: String?) {
            guard var text = value else { sqlite3_bind_null(handle, column); return }
            text.withUTF8 { bytes in
                guard let base = bytes.baseAddress else { sqlite3_bind_text(handle, column, "", 0, Self.transient); return }
                sqlite3_bind_text(handle, column, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                  Int32(bytes.count), Self.transient)
            }
        }

        static func bind(_ handle: OpaquePointer, _ column: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(handle, column, value) } else { sqlite3_bind_null(handle, column) }
        }

        /// Binds what every line of the document shares (SQLite keeps bindings across resets;
        /// `bindWindow` bound what the window's documents share).
        func bindDocument(_ statement: Statement, header: DocumentHeader, date: String, rawID: Int64) {
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, rawID)
            Self.bind(handle, 5, header.key); Self.bind(handle, 6, date); Self.bind(handle, 7, header.type)
            Self.bind(handle, 8, header.currency)
            sqlite3_bind_int64(handle, 29, Int64(recentTier))
        }

        /// Binds the line's own values (`bindDocument` bound the rest) and inserts it. Its texts
        /// are copied into `text` and bound in place: SQLite would otherwise copy each of them
        /// into an allocation of its own (some 20 million for a 1M-line backfill).
        func insertLine(_ line: StagingLine, index: Int, statement: Statement, text: LineText) throws {
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            text.start(line)
            var column: Int32 = 9
            func bind(_ value: Int64?) {
                column += 1
                if let value { sqlite3_bind_int64(handle, column, value) } else { sqlite3_bind_null(handle, column) }
            }
            func bind(_ value: String?) {
                column += 1
                guard let value else { sqlite3_bind_null(handle, column); return }
                let (pointer, count) = text.copy(value)
                sqlite3_bind_text(handle, column, pointer, count, Self.static)
            }
            func bind(_ value: CalendarDate?) {
                column += 1
                guard let value else { sqlite3_bind_null(handle, column); return }
                let (pointer, count) = text.copy(value)
                sqlite3_bind_text(handle, column, pointer, count, Self.static)
            }
            sqlite3_bind_int64(handle, 9, Int64(index))
            bind(line.customerKey)
            bind(line.customerAccountID); bind(line.customerNumber); bind(line.customerName); bind(line.subscriptionID)
            bind(line.subscriptionName); bind(line.lineRef); bind(line.uid); bind(line.rowHash); bind(line.sku)
            bind(line.description); bind(line.chargeType); bind(line.quantity); bind(line.quantityNorm)
            bind(line.unitPrice?.micros); bind(line.amount.micros); bind(line.vat?.micros)
            bind(line.periodStart); bind(line.periodEnd)
            // The match group as the SQL expression computes it, unless it could differ.
            if let (pointer, count) = text.copyMatchGroup(rowHash: line.rowHash, periodStart: line.periodStart) {
                sqlite3_bind_text(handle, 30, pointer, count, Self.static)
            } else {
                sqlite3_bind_null(handle, 30)
            }
            try Self.step(statement, on: db)
        }

        static let `static`: sqlite3_destructor_type? = nil
    }
}

extension IngestWriter.Context {
    /// The lines of the document's other versions: those of its raw rows other than `rawID`.
    /// (A line's raw row is always one of its own document, so this is every other line of it,
    /// found without reading the new version's lines.)
    static let otherVersionsLines = """
        s.raw_id IN (SELECT raw_id FROM raw_documents WHERE vendor = ? AND endpoint = ? AND document_key = ? AND raw_id <> ?)
        """

    /// Whether the lines just written under `rawID` are those of the current version `current`,
    /// column for column and in order, with the same document date and stated total: the same
    /// document in other bytes (2tCloud's XML where it sent JSON, when a proxy drops `Accept`;
    /// a re-rendering), which is no re-issue.
    func sameContent(_ rawID: Int64, as current: Int64, key: String, date: String, statedTotal: Money?) throws -> Bool {
        let columns = """
            line_index, document_date, document_type, currency, customer_key, customer_account_id, customer_number,
            customer_name, subscription_id, subscription_name, line_ref, uid, row_hash, sku, description, charge_type,
            quantity, quantity_norm, unit_price_micros, amount_micros, vat_micros, period_start, period_end, match_group
            """
        // Counts equal and no new row missing from the old ones: the same rows (line_index is
        // unique within a version).
        return try Bool.fetchOne(db, sql: """
            SELECT (SELECT count(*) FROM staging_lines WHERE raw_id = ?1) = (SELECT count(*) FROM staging_lines WHERE raw_id = ?2)
               AND NOT EXISTS (SELECT \(columns) FROM staging_lines WHERE raw_id = ?1
                               EXCEPT SELECT \(columns) FROM staging_lines WHERE raw_id = ?2)
               AND EXISTS (SELECT 1 FROM documents WHERE vendor = ?3 AND endpoint = ?4 AND document_key = ?5
                           AND document_date = ?6 AND stated_total_micros IS ?7)
            """, arguments: [rawID, current, vendor.rawValue, endpoint.name, key, date, statedTotal?.micros]) ?? false
    }

    /// The new bytes become the document's current version; its lines (and so its purchases and
    /// their ids) stay, moved under them. Nothing is queued for reconcile, and the document
    /// keeps its count of versions.
    func keepLines(of current: Int64, under rawID: Int64, key: String) throws {
        try db.cachedStatement(sql: "DELETE FROM staging_lines WHERE raw_id = ?").execute(arguments: [rawID])
        try db.cachedStatement(sql: "UPDATE staging_lines SET raw_id = ? WHERE raw_id = ?").execute(arguments: [rawID, current])
        try db.cachedStatement(sql: """
            UPDATE documents SET current_raw_id = ? WHERE vendor = ? AND endpoint = ? AND document_key = ?
            """).execute(arguments: [rawID, vendor.rawValue, endpoint.name, key])
        try resolveQuarantine(key: key)
    }

    /// Queues the customers and groups of the document's other versions' lines, then deletes them.
    func replaceOtherVersions(key: String, keeping rawID: Int64) throws {
        let arguments: StatementArguments = [vendor.rawValue, endpoint.name, key, rawID]
        try ReconcileQueue(db).enqueueStagedLines(where: Self.otherVersionsLines, arguments: arguments)
        try db.cachedStatement(sql: "DELETE FROM staging_lines AS s WHERE \(Self.otherVersionsLines)").execute(arguments: arguments)
    }
}
