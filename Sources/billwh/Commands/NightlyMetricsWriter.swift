import Foundation
import Pipeline
import Synchronization
import Warehouse

/// The nightly's metrics file, written once: at the run's end, or when a signal stops it. A
/// stopped run writes exit code 128 + the signal (as a shell reports it), then the process ends
/// by that signal as it would have.
final class NightlyMetricsWriter: Sendable {
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
    private func claim() -> Bool { written.withLock { done in defer { done = true }; return !done } }

    /// Writes the file, unless none is set or it was already written.
    func record(summary: RunSummary?, exitCode: Int32, busyTimeout: TimeInterval = 10) throws {
        guard let path = file.withLock({ $0 }), claim() else { return }
        let facts = NightlyMetrics.warehouseFacts(databasePath: databasePath, busyTimeout: busyTimeout)
        let run = NightlyMetrics.Run(summary: summary, exitCode: exitCode, startedAt: startedAt, duration: ContinuousClock.now - clock,
                                     lastSuccess: facts.lastSuccess, missingDocuments: facts.missingDocuments)
        try NightlyMetrics.write(run, to: path)
    }

    /// From now on a stop signal writes the file and ends the process; a signal the process
    /// ignores stays ignored. The handler only writes the signal's number into a pipe (all a
    /// handler may safely do); a thread of its own does the rest.
    func watchStopSignals() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        Self.signalPipe = ends[1]
        let readEnd = ends[0]
        for signalNumber in InterruptCleanup.stopSignals where !InterruptCleanup.isIgnored(signalNumber) {
            _ = signal(signalNumber) { caught in
                var byte = UInt8(truncatingIfNeeded: caught)
                _ = write(NightlyMetricsWriter.signalPipe, &byte, 1)
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
        // Whoever stops the run is waiting: the facts only if they can be had at once.
        try? record(summary: nil, exitCode: 128 + signalNumber, busyTimeout: 0.5)
        Console.error("nightly stopped by signal \(signalNumber); what it committed stays, the next run takes up the rest")
        signal(signalNumber, SIG_DFL)
        // To the process, not this thread: a thread that blocks it (as the thread this one was
        // started from may) would hold it pending for ever.
        kill(getpid(), signalNumber)
    }
}
