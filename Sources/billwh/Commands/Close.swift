import ArgumentParser
import Foundation
import Pipeline
import Reconciliation

struct Close: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Close a month once it is exported to accounting: its purchases never change again.",
        discussion: "Pending changes are reconciled first. A later re-issued or late document that touches a closed month becomes adjustment rows dated in the first open month (match_rule 'adjustment', adjusts_month, adjusts_purchase_ids), so exported numbers stay as they were.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The month to close.", valueName: "YYYY-MM")) var month: Month
    @Option(help: "A note kept with the close (e.g. the export's file name).") var note: String?

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let runner = PipelineRunner(databasePath: database.path, settings: Settings(), logger: logger)
            do {
                _ = try runner.close(month: month, note: note)
            } catch PeriodCloseError.alreadyClosed {
                // A close step run twice (a retried job) has nothing left to do.
                Console.note("\(month) is already closed: nothing to do")
                return .success
            }
            Console.note("closed \(month): its purchases are frozen; later changes become adjustments")
            // Whoever closes does not read the nightly's exit code: what may be missing is said here.
            let gaps = try runner.documentGaps(in: month.days)
            for gap in gaps { Console.note("warning: \(month) may be incomplete: \(gap)") }
            if !gaps.isEmpty {
                Console.note("what arrives later for \(month) becomes adjustment rows in the first open month; `billwh reopen` undoes the close")
            }
            return .success
        }
    }
}
