import ArgumentParser
import Foundation
import Pipeline
import Warehouse

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
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when one of these holds: stale[=HOURS],checks,quarantine (repeatable: the conditions add up; HOURS 1–8760, the smallest given counts).",
                                                             valueName: "conditions"),
            transform: { text in
                guard let conditions = FailOnConditions(parsing: text) else {
                    throw ValidationError("the conditions are stale, stale=HOURS (1 to 8760), checks and quarantine, separated by commas")
                }
                return conditions
            })
    var failOn: [FailOnConditions] = []

    func run() async throws {
        try await runReportingErrors(database) {
            let queue = try WarehouseDatabase.openReadOnly(path: database.path)
            try WarehouseDatabase.quickCheck(queue, backupDirectory: ProcessInfo.processInfo.environment["BILLWH_BACKUP_DIR"])
            let running = RunLock.holder(databasePath: database.path) != nil
            Console.out(try queue.read { try StatusReport.render($0, runInProgress: running) })
            guard !failOn.isEmpty else { return .success }
            let conditions = failOn.reduce(FailOnConditions()) { $0.adding($1) }
            let holding = try queue.read { try conditions.evaluate($0) }
            for condition in holding { Console.error("fail-on \(condition)") }
            return holding.isEmpty ? .success : ExitCode(1)
        }
    }
}
