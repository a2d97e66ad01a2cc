import ArgumentParser
import Foundation
import Pipeline
import Synchronization
import Warehouse

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
        Console.outliveClosedOutput()
        let logger = Logs.bootstrap()
        let startedAt = Date()
        let clock = ContinuousClock.now
        var summary: RunSummary?
        var metricsFile = ProcessInfo.processInfo.environment["BILLWH_METRICS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        var exitCode: Int32 = 0
        var failure: (any Error)?
        // Stopped (systemctl stop, a unit's timeout), the run still tells monitoring: a file
        // left saying last night's "exit 0" would keep every alert quiet.
        let stopped = StoppedRunMetrics(databasePath: database.path, startedAt: startedAt, clock: clock, file: metricsFile)
        stopped.watch()
        do {
            try await runReportingErrors(database) {
                let settings = consolidated.apply(to: try await Settings.loadPrintingWarnings())
                metricsFile = settings.metricsFile
                stopped.file.withLock { $0 = settings.metricsFile }
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
        if let metricsFile, stopped.claim() {
            let facts = NightlyMetrics.warehouseFacts(databasePath: database.path)
            let run = NightlyMetrics.Run(summary: summary, exitCode: exitCode, startedAt: startedAt, duration: ContinuousClock.now - clock,
                                         lastSuccess: facts.lastSuccess, missingDocuments: facts.missingDocuments)
            do { try NightlyMetrics.write(run, to: metricsFile) } catch {
                Console.error("\(error)")
                // Monitoring reads that file: a run that could not write it is not all good.
                if exitCode == 0 { failure = ExitCode(2) }
            }
        }
        if let failure { throw failure }
    }
}

/// The metrics file of a nightly stopped by a signal: written with exit code 128 + the signal
/// (as a shell reports it), then the process ends by that signal as it would have. Whichever of
/// the stop and the run's own end comes first writes the file.
final class StoppedRunMetrics: Sendable {
    let databasePath: String
    let startedAt: Date
    let clock: ContinuousClock.Instant
    let file: Mutex<String?>
    private let written = Mutex(false)

    init(databasePath: String, startedAt: Date, clock: ContinuousClock.Instant, file: String?) {
        self.databasePath = databasePath
        self.startedAt = startedAt
        self.clock = clock
        self.file = Mutex(file)
    }

    /// True once, for the writer that goes ahead.
    func claim() -> Bool { written.withLock { done in defer { done = true }; return !done } }

    /// From now on a stop signal writes the file and ends the process; a signal the process
    /// ignores stays ignored. The handler only writes the signal's number into a pipe (all a
    /// handler may safely do); a thread of its own does the rest.
    func watch() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        Self.signalPipe = ends[1]
        let readEnd = ends[0]
        for signalNumber in InterruptCleanup.stopSignals where !InterruptCleanup.isIgnored(signalNumber) {
            _ = signal(signalNumber) { caught in
                var byte = UInt8(truncatingIfNeeded: caught)
                _ = write(StoppedRunMetrics.signalPipe, &byte, 1)
            }
        }
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            stop(by: Int32(byte))
        }
        thread.name = "billwh-stop"
        thread.start()
    }

    nonisolated(unsafe) static var signalPipe: Int32 = -1

    func stop(by signalNumber: Int32) {
        if let path = file.withLock({ $0 }), claim() {
            // Whoever stops the run is waiting: the facts only if they can be had at once.
            let facts = NightlyMetrics.warehouseFacts(databasePath: databasePath, busyTimeout: 0.5)
            let run = NightlyMetrics.Run(summary: nil, exitCode: 128 + signalNumber, startedAt: startedAt, duration: ContinuousClock.now - clock,
                                         lastSuccess: facts.lastSuccess, missingDocuments: facts.missingDocuments)
            try? NightlyMetrics.write(run, to: path)
        }
        Console.error("nightly stopped by signal \(signalNumber); what it committed stays, the next run takes up the rest")
        signal(signalNumber, SIG_DFL)
        // To the process, not this thread: a thread that blocks it (as the thread this one was
        // started from may) would hold it pending for ever.
        kill(getpid(), signalNumber)
    }
}
