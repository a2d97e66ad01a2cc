import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct Nightly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate, ingest every configured vendor over the lookback window, reconcile, check.",
        discussion: """
            One run at a time: a second one exits at once with code 75, naming the holder. Exit 0 all good; 2 partial \
            (a vendor or endpoint failed, a document was quarantined, or a data check failed — what was fetched is committed); \
            1 failed (also: the warehouse file is damaged). Open months are a reminder, not a failure.
            With BILLWH_BACKUP_DIR set, a verified backup follows every run that got to its end, also when every vendor failed (BILLWH_BACKUP_KEEP copies kept). \
            With BILLWH_METRICS_FILE set, a Prometheus textfile is written after the run, whatever its outcome.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var consolidated: ConsolidatedOption

    func run() async throws {
        Console.outliveClosedOutput()
        let logger = Logs.bootstrap()
        let startedAt = Date()
        let clock = ContinuousClock.now
        var summary: RunSummary?
        var exitCode: Int32 = 0
        var failure: (any Error)?
        // Stopped (systemctl stop, a unit's timeout), the run still tells monitoring: a file
        // left saying last night's "exit 0" would keep every alert quiet.
        let metrics = NightlyMetricsWriter(databasePath: database.path, startedAt: startedAt, clock: clock,
                                           file: ProcessInfo.processInfo.environment["BILLWH_METRICS_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        metrics.watchStopSignals()
        do {
            try await runReportingErrors(database) {
                let settings = consolidated.apply(to: try await Settings.loadPrintingWarnings())
                metrics.file.withLock { $0 = settings.metricsFile }
                let night = try await database.withRunner(settings: settings, logger: logger) { try await $0.nightly() }
                summary = night
                Console.note(Summaries.ingest(night))
                return Summaries.exitCode(night.outcome)
            }
        } catch let error as ExitCode {
            exitCode = error.rawValue
            failure = error
        } catch {
            exitCode = 1
            failure = error
        }
        do { try metrics.record(summary: summary, exitCode: exitCode) } catch {
            Console.error("\(error)")
            // Monitoring reads that file: a run that could not write it is not all good.
            if exitCode == 0 { failure = ExitCode(2) }
        }
        if let failure { throw failure }
    }
}
