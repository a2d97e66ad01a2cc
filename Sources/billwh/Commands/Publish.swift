import ArgumentParser
import Foundation
import Pipeline
import Reconciliation
import Vendors

struct Publish: CommandGroup {
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
                last successful one is skipped, so applying twice changes nothing; every write is recorded in crm_publications. \
                A note is never posted twice: when an attempt may have reached Copper (a 5xx or a timeout), it is not retried, \
                and later runs show it as uncertain (exit 2) until you have checked the company's activities in Copper and \
                run again with --resend-uncertain (not there) or --confirm-uncertain (there). When Copper stays unreachable past the retry \
                budget, the remaining writes are not attempted (exit 2).
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("The month to publish.", valueName: "YYYY-MM")) var month: Month
        @Flag(help: "Write to Copper (default: show what would be written).") var apply = false
        @Flag var uncertain: UncertainNotesFlag?

        func run() async throws {
            let logger = Logs.bootstrap()
            try await runReportingErrors(database) {
                let settings = try await Settings.loadPrintingWarnings()
                let runner = PipelineRunner(databasePath: database.path, settings: settings, logger: logger)
                let items = try await runner.publishCopper(month: month.description, apply: apply, uncertainNotes: uncertain?.notes ?? .hold)
                Console.out(CopperPublisher.render(items, apply: apply))
                return items.flatMap(\.writes).contains { $0.error != nil || $0.uncertain } ? ExitCode(2) : .success
            }
        }
    }
}

/// `--resend-uncertain` or `--confirm-uncertain`: one at most.
enum UncertainNotesFlag: EnumerableFlag {
    case resendUncertain
    case confirmUncertain

    var notes: CopperPublisher.UncertainNotes {
        switch self {
        case .resendUncertain: .resend
        case .confirmUncertain: .confirm
        }
    }

    static func help(for value: Self) -> ArgumentHelp? {
        switch value {
        case .resendUncertain: "Post again the notes whose last attempt may have reached Copper: you checked, they are not there."
        case .confirmUncertain: "Record those notes as posted and send nothing: you checked, they are there."
        }
    }
}
