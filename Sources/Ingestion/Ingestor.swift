import GRDB
import Logging
import Warehouse

/// How one endpoint fared over the whole requested window.
public struct EndpointReport: Sendable {
    public var vendor: VendorID
    public var endpoint: Endpoint
    public var windows = 0
    public var outcome = WindowOutcome()
    public var statistics = FetchStatistics()
    /// Set when the endpoint could not be read (all or part of the window is missing).
    public var failure: String?

    public var succeeded: Bool { failure == nil }

    public init(vendor: VendorID, endpoint: Endpoint) {
        self.vendor = vendor
        self.endpoint = endpoint
    }
}

/// Overall result of a command, mapped to the exit codes the README documents.
public enum RunOutcome: String, Sendable {
    case ok, partial, failed

    /// ok only if everything is ok; failed only if nothing at all succeeded.
    public static func combine(_ reports: [EndpointReport]) -> RunOutcome {
        if reports.isEmpty { return .ok }
        let failed = reports.filter { !$0.succeeded }.count
        if failed == reports.count { return .failed }
        if failed > 0 || reports.contains(where: { $0.outcome.quarantined > 0 }) { return .partial }
        return .ok
    }
}

/// Reads a connector's endpoints over a window, in chunks, into raw + staging.
public struct Ingestor: Sendable {
    public let database: DatabaseQueue
    public let fetcher: HTTPFetcher
    public let logger: Logger
    /// Backfills are fetched in windows of at most this many days (the vendors re-read 31).
    public var chunkDays = 31
    /// Called after each window with a one-line status, for a progress display on a terminal.
    public var progress: (@Sendable (String) -> Void)?
    /// Lines go to the recent tier of the match-group index while it holds no more than this.
    public var recentTierHolds = MatchGroupIndex.settleAbove

    public init(database: DatabaseQueue, fetcher: HTTPFetcher, logger: Logger) {
        self.database = database
        self.fetcher = fetcher
        self.logger = logger
    }

    /// `endpoints`: the connector's endpoints to read (all of them when nil).
    public func ingest(_ connector: some Connector, endpoints: [Endpoint]? = nil, window: DateWindow, runID: Int64) async throws -> [EndpointReport] {
        let checkpoint = BackgroundCheckpoint(path: database.path)
        defer { checkpoint?.stop() }
        var load = try await database.read { db in
            BulkLoadGauge(linesBefore: try Int.fetchOne(db, sql: BulkLoadGauge.sql) ?? 0)
        }
        var reports: [EndpointReport] = []
        do {
            for endpoint in endpoints ?? connector.endpoints {
                reports.append(try await ingest(connector, endpoint: endpoint, window: window, runID: runID,
                                                checkpoint: checkpoint, load: &load))
            }
        } catch {
            // Killed or failed part way: reconcile builds the index if this cannot.
            if load.isBulk { _ = try? await restoreSettledLinesIndex() }
            throw error
        }
        if load.isBulk { try await restoreSettledLinesIndex() }
        return reports
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
        var isBulk: Bool { linesNow - linesBefore > linesBefore }
        static let sql = "SELECT coalesce(max(line_id), 0) FROM staging_lines"
    }

    func restoreSettledLinesIndex() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let built = try await commit("the match-group index") { db in try MatchGroupIndex.restoreSettledLinesIndex(db) }
        if built { logger.info("built the match-group index of the staged lines again, in \((clock.now - start).secondsText)") }
    }

    func ingest(_ connector: some Connector, endpoint: Endpoint, window: DateWindow, runID: Int64,
                checkpoint: BackgroundCheckpoint?, load: inout BulkLoadGauge) async throws -> EndpointReport {
        var report = EndpointReport(vendor: connector.vendor, endpoint: endpoint)
        let label = "\(connector.vendor)/\(endpoint.name)"
        let chunks = window.chunks(maxDays: chunkDays)
        // The next window is fetched while this one is written: the vendor's time to answer
        // and the transfer overlap with decoding and SQLite (two bodies in memory at most).
        var pending: Task<FetchedWindow, Error>? = chunks.first.map { first in
            Task { try await fetchWindow(connector, endpoint: endpoint, window: first, label: label) }
        }
        defer { pending?.cancel() }
        for (number, chunk) in chunks.enumerated() {
            try Task.checkCancellation()
            guard let current = pending else { break }
            let fetched = try await withTaskCancellationHandler {
                try await current.value
            } onCancel: {
                current.cancel()
            }
            pending = nil
            let startedAt = fetched.startedAt
            let statistics = fetched.statistics
            let body: [UInt8]
            let decoding: DecodeAhead
            switch fetched.body {
            case .success(let fetchedBody):
                body = fetchedBody.bytes
                decoding = fetchedBody.decoding
            case .failure(let error):
                report.statistics.requests += statistics.requests
                report.statistics.retries += statistics.retries
                report.failure = "\(label) \(chunk): \(error)"
                logger.error("\(label) \(chunk): \(error)")
                let entry = LedgerEntry(runID: runID, vendor: connector.vendor, endpoint: endpoint, window: chunk,
                                        startedAt: startedAt, statistics: statistics, status: "failed", error: "\(error)")
                try await commit("\(label) \(chunk)") { db in _ = try IngestWriter.record(db, entry: entry, documents: []) }
                // Later chunks would fail the same way (credentials) or prolong an outage.
                return report
            }
            if number + 1 < chunks.count {
                let next = chunks[number + 1]
                pending = Task { try await fetchWindow(connector, endpoint: endpoint, window: next, label: label) }
            }
            report.statistics.requests += statistics.requests
            report.statistics.retries += statistics.retries
            report.windows += 1

            // Documents are decoded while they are written, on a thread of their own that
            // started when the body came (DecodeAhead), a few batches of lines ahead, so memory
            // stays near the size of the response. A body found unusable part way (cut off,
            // not JSON) rolls the window back and is recorded, whole, in quarantine instead.
            let okEntry = LedgerEntry(runID: runID, vendor: connector.vendor, endpoint: endpoint, window: chunk,
                                      startedAt: startedAt, statistics: statistics, status: "ok")
            let written: RecordedWindow
            let (recentTierHolds, recentTierFull, bulkLoad) = (recentTierHolds, load.recentTierFull, load.isBulk)
            do {
                (written, load.linesNow) = try await commit("\(label) \(chunk)") { db in
                    (try IngestWriter.record(db, entry: okEntry, stream: decoding.stream(), recentTierHolds: recentTierHolds,
                                             recentTierFull: recentTierFull, bulkLoad: bulkLoad),
                     try Int.fetchOne(db, sql: BulkLoadGauge.sql) ?? 0)
                }
                if written.recentTier == 0 { load.recentTierFull = true }
            } catch let rejection as DocumentRejection {
                let message = "\(label) \(chunk): the response could not be read and was quarantined: \(rejection.reason)"
                report.failure = message
                logger.error("\(message)")
                var failed = okEntry
                failed.status = "failed"
                failed.error = message
                let entry = failed
                written = try await commit("\(label) \(chunk)") { db in
                    try IngestWriter.record(db, entry: entry, documents: [], bodyRejection: (body, rejection))
                }
            }
            checkpoint?.wrote(body.count)
            report.outcome.documents += written.outcome.documents
            report.outcome.documentsChanged += written.outcome.documentsChanged
            report.outcome.lines += written.outcome.lines
            report.outcome.quarantined += written.outcome.quarantined
            for document in written.rejected {
                logger.warning("\(label): quarantined document \(document.key ?? "(no id)"): \(document.reason)")
            }
            for change in written.fieldChanges {
                logger.warning("vendor change: \(change) — see `billwh status` and docs/vendor-changes.md")
            }
            progress?("\(label): window \(number + 1)/\(chunks.count) (\(chunk)), \(report.outcome.lines) lines so far")
            if chunks.count > 1 {
                logger.debug("\(label): window \(number + 1)/\(chunks.count) \(chunk): \(written.outcome.documents) documents, \(written.outcome.lines) lines")
            }
        }
        return report
    }

    /// One window's answer: its body, or why it could not be had.
    struct FetchedWindow: Sendable {
        var startedAt: String
        var statistics: FetchStatistics
        /// The body, with its documents already being decoded.
        var body: Result<(bytes: [UInt8], decoding: DecodeAhead), FetchError>
    }

    func fetchWindow(_ connector: some Connector, endpoint: Endpoint, window: DateWindow, label: String) async throws -> FetchedWindow {
        let startedAt = Timestamp.now()
        var statistics = FetchStatistics()
        let request = connector.request(for: endpoint, window: window)
        do {
            let body = try await fetcher.fetch(request, label: "\(label) \(window)",
                                               advice: { connector.authenticationAdvice(status: $0, endpoint: endpoint) },
                                               statistics: &statistics)
            let decoding = DecodeAhead { connector.documentStream(body, endpoint: endpoint) }
            return FetchedWindow(startedAt: startedAt, statistics: statistics, body: .success((body, decoding)))
        } catch let error as FetchError {
            return FetchedWindow(startedAt: startedAt, statistics: statistics, body: .failure(error))
        }
    }

    /// One window's transaction. A storage failure (disk full, a file size limit, a read-only
    /// file) becomes an error that says what to check and what was kept.
    func commit<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await WarehouseWriteError.writing(database, what, body)
    }
}

/// The warehouse file could not be written. What earlier transactions committed is intact;
/// the failed window was rolled back as a whole.
public struct WarehouseWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    /// The unit of work that was not committed, e.g. `copaco/invoices 2026-06-01..2026-07-01`.
    public var unit: String
    public var code: ResultCode
    public var message: String

    static let storageCodes: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN]

    /// `database.write(body)`, a storage failure becoming this error for `unit`.
    public static func writing<T: Sendable>(_ database: DatabaseQueue, _ unit: String,
                                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as DatabaseError where storageCodes.contains(error.resultCode.primaryResultCode) {
            throw WarehouseWriteError(path: database.path, unit: unit, code: error.resultCode.primaryResultCode,
                                      message: error.message ?? "\(error.resultCode)")
        }
    }

    public var description: String {
        let check = switch code {
        case .SQLITE_FULL: "the disk holding it is full"
        case .SQLITE_READONLY: "the file or its folder is read-only"
        case .SQLITE_CANTOPEN: "its folder is missing or not writable"
        default: "the disk may be full, a file size limit (ulimit -f) reached, or the device failing"
        }
        return "could not write to the warehouse \(path) (SQLite: \(message)): \(check). Nothing of \(unit) was committed; what earlier windows committed is intact, and the next run picks up from there"
    }
}
