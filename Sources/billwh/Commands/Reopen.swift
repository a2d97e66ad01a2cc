import ArgumentParser
import Foundation
import Pipeline
import Reconciliation

struct Reopen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reopen a closed month (latest closed first), with a reason that is recorded.",
        discussion: "The month's purchases are rebuilt from staging, and adjustments made for it are folded back in.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The month to reopen.", valueName: "YYYY-MM")) var month: Month
    @Option(help: "Why the month is reopened (required; recorded in period_events).") var reason: String

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let runner = PipelineRunner(databasePath: database.path, settings: Settings(), logger: logger)
            let report: ReconcileReport
            do {
                report = try runner.reopen(month: month, reason: reason)
            } catch PeriodCloseError.notClosed {
                Console.note("\(month) is not closed: nothing to reopen")
                return .success
            }
            Console.note("reopened \(month); \(Summaries.reconcile(report))", terminator: "")
            return .success
        }
    }
}
