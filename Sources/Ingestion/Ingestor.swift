import AsyncHTTPClient
import GRDB
import JSON
import Synchronization
import Logging
import Warehouse

/// How one endpoint fared over the whole requested window.
package struct EndpointReport: Sendable {
    package var vendor: VendorID
    package var endpoint: Endpoint
    package var windows = 0
    package var outcome = WindowOutcome()
    package var statistics = FetchStatistics()
    /// Set when the endpoint could not be read (all or part of the window is missing).
    package var failure: String?
    /// No attempt reached the vendor for the whole retry budget: its other endpoints are not tried.
    package var vendorUnreachable = false

    package var succeeded: Bool { failure == nil }

    package init(vendor: VendorID, endpoint: Endpoint) {
        self.vendor = vendor
        self.endpoint = endpoint
    }
}

/// Overall result of a command, mapped to the exit codes the README documents.
package enum RunOutcome: String, Sendable {
    case ok, partial, failed

    /// ok only if everything is ok; failed only if nothing at all succeeded.
    package static func combine(_ reports: [EndpointReport]) -> RunOutcome {
        if reports.isEmpty { return .ok }
        let failed = reports.filter { !$0.succeeded }.count
        if failed == reports.count { return .failed }
        if failed > 0 || reports.contains(where: { $0.outcome.quarantined > 0 }) { return .partial }
        return .ok
    }
}

/// Reads a connector's endpoints over a window, in chunks, into raw + staging.
package struct Ingestor: Sendable {
    package let database: DatabaseQueue
    package let fetcher: HTTPFetcher
    package let logger: Logger
    /// Backfills are fetched in windows of at most this many days (the vendors re-read 31).
    package var chunkDays = 31
    /// Called after each window with a one-line status, for a progress display on a terminal.
    package var progress: (@Sendable (String) -> Void)?
    /// Lines go to the recent tier of the match-group index while it holds no more than this.
    package var recentTierHolds = MatchGroupIndex.settleAbove
    /// The largest single document read from a response (BILLWH_MAX_DOCUMENT_MB): memory
    /// follows it, not the response.
    package var maxDocumentBytes = JSONEnvelopeCursor.defaultMaxElementBytes
    /// How much of a body may wait between the connection and the decoding thread.
    package var bodyBufferBytes = 4 << 20

    package init(database: DatabaseQueue, fetcher: HTTPFetcher, logger: Logger) {
        self.database = database
        self.fetcher = fetcher
        self.logger = logger
    }

    /// `endpoints`: the connector's endpoints to read (all of them when nil).
    package func ingest(_ connector: some Connector, endpoints: [Endpoint]? = nil, window: DateWindow, runID: Int64) async throws -> [EndpointReport] {
        var load = try await database.read { db in
            BulkLoadGauge(linesBefore: try Int.fetchOne(db, sql: BulkLoadGauge.sql) ?? 0)
        }
        // Into an empty warehouse, without the WAL (decided before the checkpoint's own
        // connection opens: leaving WAL needs the file to itself).
        let firstLoad = load.linesBefore == 0 ? try await database.writeWithoutTransaction { db in try FirstLoadJournal.begin(db) } : false
        if firstLoad { logger.info("first load into an empty warehouse: the file is this run's alone until it ends") }
        let checkpoint = firstLoad ? nil : BackgroundCheckpoint(path: database.path)
        defer { checkpoint?.stop() }
        var reports: [EndpointReport] = []
        do {
            for endpoint in endpoints ?? connector.endpoints {
                if let unreachable = reports.first(where: \.vendorUnreachable) {
                    reports.append(try await skip(connector, endpoint: endpoint, window: window, runID: runID, after: unreachable))
                    continue
                }
                reports.append(try await ingest(connector, endpoint: endpoint, window: window, runID: runID,
                                                checkpoint: checkpoint, load: &load))
            }
        } catch {
            // Killed or failed part way: reconcile builds the index if this cannot.
            _ = try? await restoreSettledLinesIndex()
            if firstLoad { _ = try? await database.writeWithoutTransaction { db in try FirstLoadJournal.end(db) } }
            throw error
        }
        // Whichever window of a bulk load dropped the index (a cheap look when none did).
        try await restoreSettledLinesIndex()
        if firstLoad { try await database.writeWithoutTransaction { db in try FirstLoadJournal.end(db) } }
        return reports
    }

    /// An endpoint not tried because its vendor could not be reached for a whole retry budget
    /// on an endpoint before it: the same host would only take another budget (minutes) to
    /// fail the same way. It fails, in the ledger too, saying why.
    func skip(_ connector: some Connector, endpoint: Endpoint, window: DateWindow, runID: Int64,
              after unreachable: EndpointReport) async throws -> EndpointReport {
        var report = EndpointReport(vendor: connector.vendor, endpoint: endpoint)
        report.vendorUnreachable = true
        let label = "\(connector.vendor)/\(endpoint.name) \(window)"
        let error = "not tried: \(connector.vendor) could not be reached for the whole retry budget on \(unreachable.endpoint.name) "
            + "(\(unreachable.failure ?? "no connection")); check BILLWH_\(connector.vendor.rawValue.uppercased())_BASE_URL "
            + "and that this machine can reach it, then run again"
        report.failure = "\(label): \(error)"
        logger.error("\(label): \(error)")
        let entry = LedgerEntry(runID: runID, vendor: connector.vendor, endpoint: endpoint, window: window,
                                startedAt: Timestamp.now(), statistics: FetchStatistics(), status: "failed", error: error)
        try await commit(label) { db in _ = try IngestWriter.record(db, entry: entry, documents: []) }
        return report
    }

    /// Whether a run is a bulk load: once it has written more lines than the warehouse held
    /// when it began, building the settled match-group index again by one sort costs less
    /// than the windows still to come rewriting it (MatchGroupIndex.dropSettledLinesIndex).
    /// It goes by what was written, not by what is asked for: a re-read of months already
    /// held writes nothing and never counts as one. `max(line_id)` stands for the lines held
    /// (ids are not reused), which a count would have to read the table for.
    struct BulkLoadGauge {
        let linesBefore: Int
        /// `max(line_id)` after the last window.
        var linesNow: Int
        /// A window of the run found the recent tier full (counting it takes a while at 100k rows).
        var recentTierFull = false
        init(linesBefore: Int) {
            self.linesBefore = linesBefore
            linesNow = linesBefore
        }
        /// The lines a window may write before the run becomes a bulk load (more written than
        /// held when it began); negative once it is one.
        var linesBeforeBulk: Int { linesBefore - (linesNow - linesBefore) }
        static let sql = "SELECT coalesce(max(line_id), 0) FROM staging_lines"
    }

    func restoreSettledLinesIndex() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        // Not `commit`: with its statement journals in memory, SQLite would sort on one thread.
        let built = try await WarehouseWriteError.writing(database, "the match-group index") { db in
            try MatchGroupIndex.restoreSettledLinesIndex(db)
        }
        if built { logger.info("built the match-group index of the staged lines again, in \((clock.now - start).secondsText)") }
    }

    func ingest(_ connector: some Connector, endpoint: Endpoint, window: DateWindow, runID: Int64,
                checkpoint: BackgroundCheckpoint?, load: inout BulkLoadGauge) async throws -> EndpointReport {
        var report = EndpointReport(vendor: connector.vendor, endpoint: endpoint)
        let label = "\(connector.vendor)/\(endpoint.name)"
        let chunks = window.chunks(maxDays: chunkDays)
        guard !chunks.isEmpty else { return report }
        // The next window is requested once this one's answer has come, and read while this
        // one is written: the vendor's time to answer and the transfer overlap with decoding and
        // SQLite. It waits, its body held back by its pipe's bound, until this one has
        // committed; its own transaction comes after.
        let start = { (chunk: DateWindow, load: BulkLoadGauge, previous: Task<WindowResult, any Error>?) in
            let answered = AnswerSignal()
            let task = Task {
                try await readWindow(connector, endpoint: endpoint, window: chunk, label: label, runID: runID, load: load,
                                     after: previous, answered: answered)
            }
            return (task, answered)
        }
        var (current, answered) = start(chunks[0], load, nil)
        // Documents a window's answer newly lacked, said once every window is read: a re-issue
        // dated into a later window of this run is found there.
        var missing: [MissingDocuments.Missing] = []
        defer { if !missing.isEmpty { warnMissing(missing, label: label, vendor: connector.vendor, endpoint: endpoint) } }
        for (number, chunk) in chunks.enumerated() {
            let answer = await withTaskCancellationHandler { await answered.wait() } onCancel: { [current] in current.cancel() }
            let upcoming = answer && number + 1 < chunks.count ? start(chunks[number + 1], load, current) : nil
            let next = upcoming?.0
            // The window after is not to be read: its task ends (it writes nothing) before this returns.
            let dropNext = { [next] in
                next?.cancel()
                _ = try? await next?.value
            }
            let result: WindowResult
            do {
                result = try await withTaskCancellationHandler {
                    try await current.value
                } onCancel: { [current] in
                    current.cancel()
                    next?.cancel()
                }
            } catch {
                await dropNext()
                throw error
            }
            report.statistics.requests += result.statistics.requests
            report.statistics.retries += result.statistics.retries
            if let failure = result.failure { report.failure = failure }
            report.vendorUnreachable = result.vendorUnreachable
            guard let written = result.written else {
                // Later chunks would fail the same way (credentials) or prolong an outage.
                await dropNext()
                return report
            }
            report.windows += 1
            if let linesNow = result.linesNow {
                load.linesNow = linesNow
                if written.recentTier == 0 { load.recentTierFull = true }
            }
            checkpoint?.wrote(result.bytes)
            report.outcome.documents += written.outcome.documents
            report.outcome.documentsChanged += written.outcome.documentsChanged
            report.outcome.lines += written.outcome.lines
            report.outcome.quarantined += written.outcome.quarantined
            for document in written.rejected {
                logger.warning("\(label): quarantined document \(document.key ?? "(no id)"): \(document.reason)")
            }
            for warning in written.warnings {
                logger.warning("\(label): \(warning)")
            }
            for (index, within) in FieldChange.folded(written.fieldChanges) {
                let more = within == 0 ? "" : " (and \(within) fields within)"
                logger.warning("vendor change: \(written.fieldChanges[index])\(more) — see `billwh status` and docs/vendor-changes.md")
            }
            missing += written.missingDocuments
            progress?("\(label): window \(number + 1)/\(chunks.count) (\(chunk)), \(report.outcome.lines) lines so far")
            if chunks.count > 1 {
                logger.debug("\(label): window \(number + 1)/\(chunks.count) \(chunk): \(written.outcome.documents) documents, \(written.outcome.lines) lines")
            }
            guard let upcoming else { break }
            (current, answered) = upcoming
        }
        return report
    }

    /// Logs the documents of `missing` that are still listed missing.
    func warnMissing(_ missing: [MissingDocuments.Missing], label: String, vendor: VendorID, endpoint: Endpoint) {
        let listed = (try? database.read { db in
            Set(try String.fetchAll(db, sql: "SELECT document_key FROM missing_documents WHERE vendor = ? AND endpoint = ?",
                                    arguments: [vendor.rawValue, endpoint.name]))
        }) ?? []
        let still = missing.filter { listed.contains($0.key) }
        guard !still.isEmpty else { return }
        // A key is the vendor's text: one of megabytes must not become a log line of megabytes.
        let shown = still.prefix(5).map { "\($0.key.count > 80 ? $0.key.prefix(80) + "…" : $0.key) (\($0.date))" }
            .joined(separator: ", ") + (still.count > 5 ? ", …" : "")
        let one = still.count == 1
        let counted = endpoint.direction.isStaged
            ? "They are kept and still counted: if the vendor withdrew them, or sent them again under another number (then they count twice)"
            : "They are kept (cross-check documents never count): if the vendor withdrew them, or sent them again under another number"
        logger.warning("\(label): \(still.count) document\(one ? "" : "s") read before \(one ? "is" : "are") missing from the vendor's answer for \(one ? "its date" : "their dates"): \(shown). \(counted), see `billwh status` and docs/vendor-changes.md")
    }

    /// Whether a window's request was answered (2xx), once that is known. One waiter: the loop.
    final class AnswerSignal: Sendable {
        private let state = Mutex<(answer: Bool?, waiting: CheckedContinuation<Bool, Never>?)>((nil, nil))

        /// The first call counts.
        func send(_ answer: Bool) {
            let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard state.answer == nil else { return nil }
                state.answer = answer
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume(returning: answer)
        }

        func wait() async -> Bool {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    if state.answer == nil { state.waiting = continuation }
                    return state.answer
                }
                if let answer { continuation.resume(returning: answer) }
            }
        }
    }

    /// What became of one window.
    struct WindowResult: Sendable {
        var statistics: FetchStatistics
        /// What was committed: its documents, or the whole body in quarantine; nil when the
        /// request failed (and the windows after it are not read).
        var written: RecordedWindow?
        var failure: String?
        /// The request gave up without ever reaching the vendor.
        var vendorUnreachable = false
        /// `max(line_id)` after a window whose documents were written.
        var linesNow: Int?
        var bytes = 0
    }

    /// Requests one window and writes it, once `previous` (the window before) has finished; a
    /// failed request or an unreadable body is recorded in the ledger instead.
    func readWindow(_ connector: some Connector, endpoint: Endpoint, window: DateWindow, label: String, runID: Int64,
                    load: BulkLoadGauge, after previous: Task<WindowResult, any Error>?,
                    answered: AnswerSignal) async throws -> WindowResult {
        defer { answered.send(false) }
        let startedAt = Timestamp.now()
        var statistics = FetchStatistics()
        do {
            return try await fetcher.fetch(connector.request(for: endpoint, window: window), label: "\(label) \(window)",
                                           advice: { connector.authenticationAdvice(status: $0, endpoint: endpoint) },
                                           statistics: &statistics) { body, statistics in
                answered.send(true)
                let entry = LedgerEntry(runID: runID, vendor: connector.vendor, endpoint: endpoint, window: window,
                                        startedAt: startedAt, statistics: statistics, status: "ok")
                return try await write(body, of: connector, entry: entry, label: "\(label) \(window)", load: load, after: previous)
            }
        } catch let error as FetchError {
            try await Self.wait(for: previous)
            logger.error("\(label) \(window): \(error)")
            let entry = LedgerEntry(runID: runID, vendor: connector.vendor, endpoint: endpoint, window: window,
                                    startedAt: startedAt, statistics: statistics, status: "failed", error: "\(error)")
            try await commit("\(label) \(window)") { db in _ = try IngestWriter.record(db, entry: entry, documents: []) }
            return WindowResult(statistics: statistics, written: nil, failure: "\(label) \(window): \(error)",
                                vendorUnreachable: error.neverConnected)
        }
    }

    /// Waits for the window before to finish; when its request failed, this window is not written.
    static func wait(for previous: Task<WindowResult, any Error>?) async throws {
        guard let previous else { return }
        guard try await previous.value.written != nil else { throw CancellationError() }
    }

    /// Writes a window's documents in one transaction as they come off the wire: the body is
    /// read into a bounded pipe by one task, decoded on a thread of its own (DecodeAhead, a few
    /// batches of lines ahead) and written by the database's writer, so memory follows the
    /// largest document, not the response. A body cut off or late throws `TransportFailure`
    /// after the transaction was rolled back, and the fetcher retries it. An unusable body is
    /// rolled back too and recorded, whole, in quarantine instead.
    func write(_ body: HTTPClientResponse.Body, of connector: some Connector, entry: LedgerEntry, label: String,
               load: BulkLoadGauge, after previous: Task<WindowResult, any Error>?) async throws -> WindowResult {
        let pipe = BodyPipe(capacity: bodyBufferBytes, spool: try BodySpool(), maxDocumentBytes: maxDocumentBytes)
        let filling = Task { await pipe.fill(from: body, timeout: fetcher.policy.requestTimeout) }
        let (recentTierHolds, recentTierFull, bulkLoadAfter) = (recentTierHolds, load.recentTierFull, load.linesBeforeBulk)
        let rejection: DocumentRejection
        do {
            // Until the window before has committed, only the pipe fills (its bound), nothing is decoded.
            try await Self.wait(for: previous)
            let echo = CredentialEcho(connector.request(for: entry.endpoint, window: entry.window))
            let decoding = DecodeAhead {
                connector.documentStream(reading: pipe, endpoint: entry.endpoint).refusingEchoed(echo)
            }
            let progress = progress.map { report in
                { @Sendable (outcome: WindowOutcome) in
                    report("\(label): \(outcome.lines) lines in \(outcome.documents) documents so far, \(pipe.received >> 20) MB read")
                }
            }
            let (written, linesNow) = try await commit(label) { db in
                (try IngestWriter.record(db, entry: entry, stream: decoding.stream(), redacting: echo, recentTierHolds: recentTierHolds,
                                         recentTierFull: recentTierFull, bulkLoadAfter: bulkLoadAfter, progress: progress),
                 try Int.fetchOne(db, sql: BulkLoadGauge.sql) ?? 0)
            }
            await filling.value
            return WindowResult(statistics: entry.statistics, written: written, linesNow: linesNow, bytes: pipe.received)
        } catch let unusable as DocumentRejection {
            if let failure = pipe.failure {
                pipe.close()
                await filling.value
                throw TransportFailure(underlying: failure)
            }
            // The rest of the body goes to its copy only, to be quarantined whole.
            pipe.drain()
            await filling.value
            if let failure = pipe.failure { throw TransportFailure(underlying: failure) }
            rejection = unusable
        } catch {
            pipe.close()
            filling.cancel()
            await filling.value
            throw error
        }
        // The reason may quote the body (an XML parser's tag name), and with it the credentials.
        let echo = CredentialEcho(connector.request(for: entry.endpoint, window: entry.window))
        let message = echo.redacting("\(label): the response could not be read and was quarantined: \(rejection.reason)")
        logger.error("\(message)")
        var failed = entry
        failed.status = "failed"
        failed.error = message
        let (entry, spool) = (failed, pipe.spool!)
        let written = try await commit(label) { db in
            try IngestWriter.record(db, entry: entry, documents: [], bodyRejection: (spool, rejection), redacting: echo)
        }
        return WindowResult(statistics: entry.statistics, written: written, failure: message, bytes: pipe.received)
    }

    /// One window's transaction. A storage failure (disk full, a file size limit, a read-only
    /// file) becomes an error that says what to check and what was kept.
    func commit<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await WarehouseWriteError.writing(database, what, statementJournalsInMemory: true, body)
    }
}

/// The warehouse file could not be written. What earlier transactions committed is intact;
/// the failed window was rolled back as a whole.
package struct WarehouseWriteError: Error, CustomStringConvertible, Sendable {
    package var path: String
    /// The unit of work that was not committed, e.g. `copaco/invoices 2026-06-01..2026-07-01`.
    package var unit: String
    package var code: ResultCode
    package var message: String

    static let storageCodes: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN]

    /// `database.write(body)`, a storage failure becoming this error for `unit`. A transaction
    /// that writes document by document keeps its statement journals in memory (see
    /// `StatementJournal`).
    package static func writing<T: Sendable>(_ database: DatabaseQueue, _ unit: String, statementJournalsInMemory: Bool = false,
                                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            guard statementJournalsInMemory else { return try await database.write(body) }
            return try await database.writeWithoutTransaction { db in try StatementJournal.inMemory(db) { try body(db) } }
        } catch let error as DatabaseError where storageCodes.contains(error.resultCode.primaryResultCode) {
            throw WarehouseWriteError(path: database.path, unit: unit, code: error.resultCode.primaryResultCode,
                                      message: error.message ?? "\(error.resultCode)")
        }
    }

    package var description: String {
        let check = switch code {
        case .SQLITE_FULL: "the disk holding it is full"
        case .SQLITE_READONLY: "the file or its folder is read-only"
        case .SQLITE_CANTOPEN: "its folder is missing or not writable"
        default: "the disk may be full, a file size limit (ulimit -f) reached, or the device failing"
        }
        return "could not write to the warehouse \(path) (SQLite: \(message)): \(check). Nothing of \(unit) was committed; what earlier windows committed is intact, and the next run picks up from there"
    }
}
