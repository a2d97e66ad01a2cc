import ArgumentParser
import Foundation
import Pipeline
import Reconciliation
import Vendors

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish figures back to a CRM.",
        subcommands: [PublishCopper.self])

    struct PublishCopper: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copper",
            abstract: "Per linked Copper company: the month's billed total and margin — a dry-run table, or written with --apply.",
            discussion: """
                Billed = sum(sell), margin = sum(sell) - sum(cost) of the month's purchases (invoice_date) linked to the company. \
                --apply writes them as custom fields (BILLWH_COPPER_PUBLISH_BILLED_FIELD, BILLWH_COPPER_PUBLISH_MARGIN_FIELD: \
                definition names; a partial PUT) and/or an activity note (BILLWH_COPPER_PUBLISH_NOTE=true). A write equal to the \
                last successful one is skipped, so applying twice changes nothing; every write is recorded in crm_publications.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("The month to publish.", valueName: "YYYY-MM")) var month: Month
        @Flag(help: "Write to Copper (default: show what would be written).") var apply = false

        func run() async throws {
            let logger = Logs.bootstrap()
            try await runReportingErrors(database) {
                let settings = try await Settings.load()
                let runner = PipelineRunner(databasePath: database.path, settings: settings, logger: logger)
                let items = try await runner.publishCopper(month: month.description, apply: apply)
                Console.out(CopperPublisher.render(items, apply: apply))
                return items.flatMap(\.writes).contains { $0.error != nil } ? ExitCode(2) : .success
            }
        }
    }
}
