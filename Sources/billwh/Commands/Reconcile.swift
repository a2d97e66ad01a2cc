import ArgumentParser
import Foundation
import Pipeline

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
