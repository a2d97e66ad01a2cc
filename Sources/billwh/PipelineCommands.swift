import ArgumentParser
import Foundation
import Ingestion
import Pipeline
import Reconciliation
import Warehouse

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations/ to the warehouse (creating it if needed).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let path = database.path
            let queue = try WarehouseDatabase.openForWriting(path: path)
            let versions = try queue.read { try Int.fetchAll($0, sql: "SELECT version FROM schema_migrations ORDER BY version") }
            Console.note("\(path): schema at migration \(versions.last ?? 0) (\(versions.count) applied)")
            return .success
        }
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch vendor documents into raw + staging.",
        discussion: "Without dates: the lookback window ending today (BILLWH_LOOKBACK_DAYS, default 31). Long windows are fetched in chunks of at most 31 days; re-running a window is safe.")
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("vendor"), help: "Only this vendor (repeatable): copaco, twotcloud, copper (the CRM companies).") var vendors: [String] = []
    @OptionGroup var consolidated: ConsolidatedOption
    @OptionGroup var dates: DateRangeOptions

    func validate() throws {
        let known = Settings.knownVendors.map(\.rawValue)
        for vendor in vendors where !known.contains(vendor) {
            throw ValidationError("unknown vendor \(vendor): known vendors are \(known.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let settings = consolidated.apply(to: try await Settings.load())
            return try await database.withRunner(settings: settings, logger: logger) { runner in
                if let since = dates.since, dates.until == nil, since > runner.today {
                    throw ValidationError("--since must not be after --until (default today, \(runner.today))")
                }
                let window = dates.window(today: runner.today)
                let summary = try await runner.ingest(vendors: vendors.isEmpty ? nil : vendors.map(VendorID.init(rawValue:)), window: window)
                Console.note(Summaries.ingest(summary))
                return Summaries.exitCode(summary.outcome)
            }
        }
    }
}

struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "(Re)build purchases from staging, incrementally.",
        discussion: "Only customers whose lines changed since the last reconcile are rebuilt; --full rebuilds everything (same result).")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Rebuild every customer's purchases, not only the changed ones.") var full = false

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let runner = PipelineRunner(databasePath: database.path, settings: Settings(), logger: logger)
            let report = try runner.reconcile(full: full)
            Console.note(Summaries.reconcile(report))
            return .success
        }
    }
}

struct Nightly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate, ingest every configured vendor over the lookback window, reconcile, check.",
        discussion: """
            One run at a time: a second one exits at once with code 75, naming the holder. Exit 0 all good; 2 partial \
            (a vendor or endpoint failed, a document was quarantined, or a data check failed — what was fetched is committed); \
            1 failed (also: the warehouse file is damaged). Open months are a reminder, not a failure.
            With BILLWH_BACKUP_DIR set, a verified backup follows every run that committed (BILLWH_BACKUP_KEEP copies kept). \
            With BILLWH_METRICS_FILE set, a Prometheus textfile is written after the run, whatever its outcome.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var consolidated: ConsolidatedOption

    func run() async throws {
        let logger = Logs.bootstrap()
        let startedAt = Date()
        let clock = ContinuousClock.now
        var summary: RunSummary?
        var metricsFile = ProcessInfo.processInfo.environment["BILLWH_METRICS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        var exitCode: Int32 = 0
        defer {
            if let metricsFile {
                let run = NightlyMetrics.Run(summary: summary, exitCode: exitCode, startedAt: startedAt, duration: ContinuousClock.now - clock,
                                             lastSuccess: NightlyMetrics.lastSuccess(databasePath: database.path))
                do { try NightlyMetrics.write(run, to: metricsFile) } catch { Console.error("\(error)") }
            }
        }
        do {
            try await runReportingErrors(database) {
                let settings = consolidated.apply(to: try await Settings.load())
                metricsFile = settings.metricsFile
                let night = try await database.withRunner(settings: settings, logger: logger) { try await $0.nightly() }
                summary = night
                Console.note(Summaries.ingest(night))
                return Summaries.exitCode(night.outcome)
            }
        } catch let error as ExitCode {
            exitCode = error.rawValue
            throw error
        } catch {
            exitCode = 1
            throw error
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per vendor and endpoint: last good run, window covered, rows, quarantined items, unmatched lines.",
        discussion: """
            Starts with SQLite's quick check of the file: a damaged file exits 1 with what to do. \
            With --fail-on, exits 1 when one of the conditions holds, for monitoring: stale[=HOURS] (an endpoint read in the \
            last week has not been read successfully for HOURS, default \(FailOnConditions.defaultStaleHours); or nothing was read \
            at all), checks (the last nightly's data checks failed), quarantine (a quarantined document is not resolved).
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when one of these holds: stale[=HOURS],checks,quarantine.",
                                                             valueName: "conditions"))
    var failOn: FailOnConditions?

    func run() async throws {
        try await runReportingErrors(database) {
            let queue = try WarehouseDatabase.openReadOnly(path: database.path)
            try WarehouseDatabase.quickCheck(queue, backupDirectory: ProcessInfo.processInfo.environment["BILLWH_BACKUP_DIR"])
            Console.out(try queue.read { try StatusReport.render($0) })
            guard let failOn else { return .success }
            let holding = try queue.read { try failOn.evaluate($0) }
            for condition in holding { Console.error("fail-on \(condition)") }
            return holding.isEmpty ? .success : ExitCode(1)
        }
    }
}

/// `--include-consolidated`, shared by `ingest` and `nightly`.
struct ConsolidatedOption: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Also read 2tCloud's consolidatedinvoices (raw only, never in purchases); `status` then counts its lines that disagree with the reconciled purchases.",
        discussion: "Same as BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED=true. The vendor warns this endpoint drops, duplicates and mis-assigns lines: it is a cross-check, not a source."))
    var includeConsolidated = false

    func apply(to settings: Settings) -> Settings {
        var settings = settings
        if includeConsolidated { settings.twotcloud?.includeConsolidated = true }
        return settings
    }
}

enum Summaries {
    static func exitCode(_ outcome: RunOutcome) -> ExitCode {
        switch outcome {
        case .ok: .success
        case .partial: ExitCode(2)
        case .failed: ExitCode(1)
        }
    }

    static func ingest(_ summary: RunSummary) -> String {
        var text = "run \(summary.runID) \(summary.outcome.rawValue): window \(summary.window)\n"
        for report in summary.reports {
            text += "  \(report.vendor)/\(report.endpoint.name): \(report.outcome.documents) documents, \(report.outcome.lines) lines, \(report.outcome.quarantined) quarantined"
            if let failure = report.failure { text += "\n    FAILED: \(failure)" }
            text += "\n"
        }
        if let reconcile = summary.reconcile { text += Summaries.reconcile(reconcile) }
        return text
    }

    static func reconcile(_ report: ReconcileReport) -> String {
        var settled = ""
        if report.settled != MatchGroupIndex.Settled() {
            settled = "index: settled \(report.settled.lines) recent lines and \(report.settled.purchases) recent purchases into the match-group indexes\n"
        }
        if report.customers == 0 { return "reconcile: nothing changed\n" + settled }
        let statuses = report.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "reconcile: \(report.customers) customers rebuilt, \(report.purchases) purchases (\(statuses))\n" + settled
    }
}
