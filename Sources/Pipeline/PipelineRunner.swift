import AsyncHTTPClient
import Foundation
import GRDB
import Ingestion
import Logging
import Reconciliation
import Vendors
import Warehouse

/// The result of `ingest` or `nightly`, for the exit code and the closing summary.
package struct RunSummary: Sendable {
    package var runID: Int64
    package var command: String
    package var window: DateWindow
    package var reports: [EndpointReport]
    package var reconcile: ReconcileReport?
    package var outcome: RunOutcome
    /// The data checks `nightly` runs after reconciling (nil for `ingest`).
    package var checks: [CheckResult]?
}

/// What `ingest`, `reconcile` and `nightly` do, behind the run lock.
package struct PipelineRunner: Sendable {
    package let databasePath: String
    package let settings: Settings
    package let logger: Logger
    package var today: CalendarDate
    /// Progress lines for long work (the CLI sets it when stderr is a terminal).
    package var progress: (@Sendable (String) -> Void)?

    package init(databasePath: String, settings: Settings, logger: Logger, today: CalendarDate = .today()) {
        self.databasePath = databasePath
        self.settings = settings
        self.logger = logger
        self.today = today
    }

    /// The default window: `[today − lookback, today]`.
    package var lookbackWindow: DateWindow { .lookback(days: settings.lookbackDays, today: today) }

    /// What a run reads from the wanted vendors (all configured ones when nil): the invoice
    /// connectors in order, then Copper, so that its links cover what was just fetched.
    package func sources(for vendors: [VendorID]?) throws -> [VendorSource] {
        try settings.checkComplete(vendors)
        let wanted = vendors ?? settings.configuredVendors
        if wanted.isEmpty {
            throw SettingsError.invalid("no vendor is configured: set BILLWH_COPACO_API_KEY (or BILLWH_COPACO_API_KEY_FILE) for Copaco, BILLWH_TWOTCLOUD_ACCOUNT_ID + BILLWH_TWOTCLOUD_API_KEY for 2tCloud, BILLWH_COPPER_ACCESS_TOKEN + BILLWH_COPPER_USER_EMAIL for Copper; `billwh demo` tries everything against the local sandbox")
        }
        let sources = try wanted.map { vendor -> VendorSource in
            switch vendor {
            case .copaco:
                guard let copaco = settings.copaco else {
                    throw SettingsError.invalid("copaco is not configured: set BILLWH_COPACO_API_KEY (or BILLWH_COPACO_API_KEY_FILE)")
                }
                return .invoices(CopacoConnector(settings: copaco))
            case .twotcloud:
                guard let twotcloud = settings.twotcloud else {
                    throw SettingsError.invalid("twotcloud is not configured: set BILLWH_TWOTCLOUD_ACCOUNT_ID and BILLWH_TWOTCLOUD_API_KEY (or BILLWH_TWOTCLOUD_API_KEY_FILE)")
                }
                return .invoices(TwoTCloudConnector(settings: twotcloud))
            case .copper:
                return .crm(try configuredCopper())
            default:
                throw SettingsError.invalid("unknown vendor \(vendor.rawValue): known vendors are \(Settings.knownVendors.map(\.rawValue).joined(separator: ", "))")
            }
        }
        return sources.filter(\.isInvoices) + sources.filter { !$0.isInvoices }
    }

    /// `billwh ingest`: fetch vendor documents into raw + staging.
    /// `copperFullRead`: read every Copper company now (as the weekly full read does), which
    /// removes at once the companies deleted in Copper.
    package func ingest(vendors: [VendorID]?, window: DateWindow?, command: String = "ingest",
                        copperFullRead: Bool = false) async throws -> RunSummary {
        let (lock, database, sources, window, runID) = try startFetching(command, vendors: vendors, window: window)
        defer { lock.release() }
        let reports = try await fetch(sources, window: window, database: database, runID: runID, copperFullRead: copperFullRead)
        let outcome = RunOutcome.combine(reports)
        try finishRun(database, runID: runID, outcome: outcome, summary: describe(reports))
        return RunSummary(runID: runID, command: command, window: window, reports: reports, reconcile: nil, outcome: outcome, checks: nil)
    }

    /// How a run that fetches starts: the run lock (the caller releases it), the warehouse, the
    /// sources of `vendors` (nil: every configured one), the window and the run's ledger row.
    func startFetching(_ command: String, vendors: [VendorID]?, window: DateWindow?) throws
        -> (lock: RunLock, database: DatabaseQueue, sources: [VendorSource], window: DateWindow, runID: Int64) {
        let lock = try RunLock.acquire(databasePath: databasePath, command: command)
        do {
            let database = try WarehouseDatabase.openForWriting(path: databasePath, access: settings.fileAccess)
            return (lock, database, try sources(for: vendors), window ?? lookbackWindow, try startRun(database, command: command))
        } catch {
            lock.release()
            throw error
        }
    }

    /// `billwh nightly`: migrate, ingest every configured vendor, reconcile, under one lock.
    package func nightly(window: DateWindow? = nil, command: String = "nightly") async throws -> RunSummary {
        let (lock, database, sources, window, runID) = try startFetching(command, vendors: nil, window: window)
        defer { lock.release() }
        let linesBefore = try await database.read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(line_id), 0) FROM staging_lines") ?? 0 }
        logger.info("\(command): run \(runID), window \(window), vendors \(settings.configuredVendors.map(\.rawValue).joined(separator: ", "))")
        let clock = ContinuousClock()
        var phaseStart = clock.now
        func phaseTook() -> String {
            let now = clock.now
            defer { phaseStart = now }
            return (now - phaseStart).secondsText
        }
        let reports = try await fetch(sources, window: window, database: database, runID: runID)
        logger.info("\(command): ingest took \(phaseTook())")
        // Reconcile even after a partial ingest: what was committed is consistent, and the
        // queue keeps whatever the next run still has to redo.
        let reconcile = try await WarehouseWriteError.writing(database, "the reconcile") { db in try Reconciler.reconcile(db) }
        logger.info("\(command): reconcile took \(phaseTook())")
        // A failed check (a vendor's total that does not add up) makes the run partial, not
        // failed: what it fetched is committed and consistent. Open months are a reminder.
        let recheckAll = try await database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM runs WHERE command = ?1
                                 AND run_id > coalesce((SELECT max(run_id) FROM runs WHERE command = 'nightly' AND run_id < ?2), 0))
                    OR coalesce((SELECT failed_checks FROM runs WHERE command = 'nightly' AND run_id < ?2 AND finished_at IS NOT NULL
                                 ORDER BY run_id DESC LIMIT 1), '') <> ''
                """, arguments: [HandWrites.command, runID]) ?? false
        }
        let scope = DataChecks.RunScope(linesAfter: linesBefore, purchasesAfter: reconcile.rebuiltAfter, adjusting: reconcile.adjusting,
                                        recheckAll: recheckAll)
        // The run's pages wait in the WAL: copied into the file on the second core while the
        // checks only read, the close has little left to copy (over a long history, most of the
        // pages a nightly dirties are index pages scattered through the file).
        let checkpoint = BackgroundCheckpoint.once(path: database.path)
        let checks = try await database.read { [today] db in
            try DataChecks.run(db, checks: DataChecks.nightly(today: today, scope: scope))
        }
        checkpoint?.stop()
        logger.info("\(command): data checks took \(phaseTook())")
        for result in checks { logger.debug("\(command): check \(result.check.name) took \(result.elapsed.secondsText)") }
        let failed = checks.filter(\.failed).map(\.check.name)
        let reminders = checks.filter(\.reminds)
        for reminder in reminders {
            logger.warning("\(command): reminder: \(reminder.failures) found against the rule \"\(reminder.check.rule)\" (`billwh check` lists them)")
        }
        var outcome = RunOutcome.combine(reports)
        if failed.isEmpty {
            logger.info("\(command): \(checks.count - reminders.count) data checks passed")
        } else {
            logger.error("\(command): data checks failed: \(failed.joined(separator: ", ")) — what this run fetched is committed; run `billwh check` for the offending rows")
            if outcome == .ok { outcome = .partial }
        }
        outcome = await replicateAfterNightly(outcome, command: command)
        let checkLine = failed.isEmpty ? "checks: all \(checks.count - reminders.count) passed" : "checks failed: \(failed.joined(separator: ", "))"
        try finishRun(database, runID: runID, outcome: outcome, summary: describe(reports) + "\n" + checkLine,
                      failedChecks: failed)
        outcome = try backupAfterNightly(outcome, command: command, database: database, runID: runID)
        return RunSummary(runID: runID, command: command, window: window, reports: reports, reconcile: reconcile, outcome: outcome, checks: checks)
    }

    /// `billwh reconcile`: rebuild the purchases of changed customers (or all with `full`).
    package func reconcile(full: Bool) throws -> ReconcileReport {
        try writeLocked("reconcile") { db in try Reconciler.reconcile(db, full: full) }
    }

    /// `billwh close --month`: reconciles what is pending, then freezes the month.
    /// A month after today's is refused: closing it would freeze rows that do not exist yet, and
    /// is more likely a mistyped year than intended.
    package func close(month: Month, note: String?) throws -> ReconcileReport {
        guard month <= Month(of: today) else { throw PeriodCloseError.notBegun(month, today: today) }
        return try writeLocked("close") { db in
            let report = try Reconciler.reconcile(db)
            try PeriodClose.close(db, month: month, note: note, user: Self.user)
            return report
        }
    }

    /// What may be missing from the purchases of `window` (`DocumentGaps`).
    package func documentGaps(in window: DateWindow) throws -> [String] {
        try WarehouseDatabase.openReadOnly(path: databasePath).read { db in try DocumentGaps.find(db, in: window, today: today) }
    }

    /// `billwh reopen --month --reason`: unfreezes the month (latest closed first) and rebuilds it.
    package func reopen(month: Month, reason: String) throws -> ReconcileReport {
        try writeLocked("reopen") { db in
            try PeriodClose.reopen(db, month: month, reason: reason, user: Self.user)
            return try Reconciler.reconcile(db)
        }
    }

    /// `body` in one write transaction under the run lock: how the commands that change the
    /// books without fetching run.
    func writeLocked<T>(_ command: String, _ body: (Database) throws -> T) throws -> T {
        let lock = try RunLock.acquire(databasePath: databasePath, command: command)
        defer { lock.release() }
        return try WarehouseDatabase.openForWriting(path: databasePath, access: settings.fileAccess).write(body)
    }

    /// `billwh publish copper --month [--apply]`.
    package func publishCopper(month: String, apply: Bool,
                               uncertainNotes: CopperPublisher.UncertainNotes = .hold) async throws -> [CopperPublisher.Item] {
        let copper = try configuredCopper()
        guard copper.billedField != nil || copper.marginField != nil || copper.publishNote else {
            throw SettingsError.invalid("nothing to publish: set BILLWH_COPPER_PUBLISH_BILLED_FIELD and/or BILLWH_COPPER_PUBLISH_MARGIN_FIELD (custom field names), and/or BILLWH_COPPER_PUBLISH_NOTE=true")
        }
        let lock = try RunLock.acquire(databasePath: databasePath, command: "publish")
        defer { lock.release() }
        let database = try WarehouseDatabase.openForWriting(path: databasePath, access: settings.fileAccess)
        let runID = apply ? try startRun(database, command: "publish copper \(month)") : nil
        // The figures come from purchases: documents staged since the last reconcile (a run
        // stopped before it) are reconciled first, as `close` does.
        _ = try await database.write { db in try Reconciler.reconcile(db) }
        let publisher = CopperPublisher(database: database, client: CopperClient(settings: copper, fetcher: HTTPFetcher(policy: settings.retryPolicy, logger: logger)), logger: logger)
        let items = try await publisher.run(month: month, apply: apply, runID: runID, uncertainNotes: uncertainNotes)
        if let runID {
            let failed = items.flatMap(\.writes).contains { $0.error != nil || $0.uncertain }
            try finishRun(database, runID: runID, outcome: failed ? .partial : .ok, summary: "\(items.count) companies")
        }
        return items
    }

    /// Copper's settings, or the error that says which variables configure it.
    func configuredCopper() throws -> CopperSettings {
        try settings.checkComplete([.copper])
        guard let copper = settings.copper else {
            throw SettingsError.invalid("copper is not configured: set BILLWH_COPPER_ACCESS_TOKEN (or _FILE) and BILLWH_COPPER_USER_EMAIL")
        }
        return copper
    }

    /// Who closed or reopened a month: the login's name, else the account the process runs as
    /// (cron and systemd services often set no `USER`).
    static var user: String? {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return name }
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    func fetch(_ sources: [VendorSource], window: DateWindow, database: DatabaseQueue, runID: Int64,
               copperFullRead: Bool = false) async throws -> [EndpointReport] {
        let fetcher = HTTPFetcher(policy: settings.retryPolicy, logger: logger)
        var ingestor = Ingestor(database: database, fetcher: fetcher, logger: logger)
        ingestor.progress = progress
        ingestor.maxDocumentBytes = settings.maxDocumentBytes
        var reports: [EndpointReport] = []
        for source in sources {
            switch source {
            case .invoices(let connector):
                let (usable, refused) = checkLifecycle(connector)
                var vendorReports = refused
                if !usable.isEmpty {
                    vendorReports += try await ingestor.ingest(connector, endpoints: usable, window: window, runID: runID)
                }
                for report in vendorReports {
                    let line = "\(report.vendor)/\(report.endpoint.name): \(report.outcome.documents) documents (\(report.outcome.documentsChanged) new or changed), \(report.outcome.lines) lines, \(report.outcome.quarantined) quarantined, \(report.statistics.requests) requests, \(report.statistics.retries) retries"
                    if report.succeeded { logger.info("\(line)") } else { logger.error("\(line) — FAILED") }
                }
                reports += vendorReports
            case .crm(let copper):
                var sync = CopperSync(database: database, client: CopperClient(settings: copper, fetcher: fetcher), logger: logger)
                sync.progress = progress
                reports.append(try await sync.run(runID: runID, full: copperFullRead))
            }
        }
        return reports
    }

    /// Warns about the connector's endpoints that are deprecated or near their end of life, and
    /// refuses those in Development unless allowed: their fields may change any day.
    func checkLifecycle(_ connector: some Connector) -> (usable: [Endpoint], refused: [EndpointReport]) {
        var usable: [Endpoint] = []
        var refused: [EndpointReport] = []
        for endpoint in connector.endpoints {
            let lifecycle = settings.lifecycle.lookup(connector.vendor, endpoint.name, version: endpoint.version)
            if let warning = lifecycle?.warning(today: today) { logger.warning("lifecycle: \(warning)") }
            guard lifecycle?.status == .development, !settings.allowDevelopmentEndpoints else {
                usable.append(endpoint)
                continue
            }
            var report = EndpointReport(vendor: connector.vendor, endpoint: endpoint)
            report.failure = "\(connector.vendor)/\(endpoint.name) \(endpoint.version) is in Development (\(lifecycle?.source ?? "")): the vendor may rename or remove its fields at any time, so it is not read. Set BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS=true to read it anyway, or pick a Stable version"
            logger.error("\(report.failure ?? "")")
            refused.append(report)
        }
        return (usable, refused)
    }

    /// Called with the run lock held: a run row still without an outcome is one that was
    /// killed (or lost its machine), so it is marked failed; its `finished_at` stays empty,
    /// since it never finished, and `status` still names it until a run finishes after it.
    func startRun(_ database: DatabaseQueue, command: String) throws -> Int64 {
        try database.write { db in
            let now = Timestamp.now()
            try db.execute(sql: "INSERT INTO runs (command, pid, started_at) VALUES (?, ?, ?)",
                           arguments: [command, Int(getpid()), now])
            let runID = db.lastInsertedRowID
            try db.execute(sql: """
                UPDATE runs SET outcome = 'failed',
                    summary = 'did not finish: stopped or killed (found by run ' || ? || ' at ' || ? || '); what it committed stays'
                WHERE finished_at IS NULL AND outcome IS NULL AND run_id < ?
                """, arguments: [runID, now, runID])
            return runID
        }
    }

    /// `failedChecks`: nil when the run ran no data checks.
    func finishRun(_ database: DatabaseQueue, runID: Int64, outcome: RunOutcome, summary: String, failedChecks: [String]? = nil) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE runs SET finished_at = ?, outcome = ?, summary = ?, failed_checks = ? WHERE run_id = ?",
                           arguments: [Timestamp.now(), outcome.rawValue, summary, failedChecks?.joined(separator: ","), runID])
        }
    }

    func describe(_ reports: [EndpointReport]) -> String {
        reports.map { report in
            let base = "\(report.vendor)/\(report.endpoint.name): \(report.outcome.documents) docs, \(report.outcome.lines) lines, \(report.outcome.quarantined) quarantined"
            return report.failure.map { "\(base); failed: \($0)" } ?? base
        }.joined(separator: "\n")
    }
}

/// What a run reads from one vendor: invoice endpoints by window through the `Ingestor`, or
/// Copper's companies through its own incremental search (`CopperSync`).
package enum VendorSource: Sendable {
    case invoices(any Connector)
    case crm(CopperSettings)

    var isInvoices: Bool { if case .invoices = self { true } else { false } }
}
