import ArgumentParser
import HTMLReport
import Export
import Foundation
import Pipeline
import Reconciliation
import Vendors
import Warehouse

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the data tests: each failure is printed with its offending rows; exit 1 if any fails.",
        discussion: """
            Checks: staging holds only current versions and unique lines; no orphan purchases; no line counted twice; \
            cost and sell equal the staged lines per vendor (closed months' adjustments included); margins consistent; \
            each document's lines add up to the vendor's stated Totals; nothing waiting for reconcile; no month older \
            than --max-open-months left open. `nightly` runs the same checks and reports them. \
            First, SQLite checks the file itself (quick_check; --full: integrity_check); a damaged file exits 1 with what to do.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Months that may stay open before `months_closed_in_time` fails.") var maxOpenMonths = DataChecks.defaultMaxOpenMonths
    @Flag(help: "Check the file with PRAGMA integrity_check (every index against its table) instead of quick_check.") var full = false

    func validate() throws {
        guard (0...1200).contains(maxOpenMonths) else { throw ValidationError("--max-open-months takes 0 to 1200") }
    }

    func run() async throws {
        try await runReportingErrors(database) {
            let queue = try WarehouseDatabase.openReadOnly(path: database.path)
            try WarehouseDatabase.quickCheck(queue, full: full, backupDirectory: ProcessInfo.processInfo.environment["BILLWH_BACKUP_DIR"])
            Console.note("file: \(full ? "integrity_check" : "quick_check") ok")
            let results = try queue.read { db in try DataChecks.run(db, checks: DataChecks.all(today: .today(), maxOpenMonths: maxOpenMonths)) }
            Console.out(DataChecks.render(results))
            return results.allSatisfy(\.passed) ? .success : ExitCode(1)
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports for closing the month: exceptions and margin.",
        subcommands: [Exceptions.self, Margin.self, HTML.self])

    struct Options: ParsableArguments {
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only purchases with invoice_date in this month (YYYY-MM).", valueName: "YYYY-MM")) var month: Month?
        @Option(help: "table, csv or json.") var format: ReportFormat = .table

        var queryFormat: QueryFormat { format.queryFormat }
    }

    struct Exceptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per customer: unbilled (revenue leakage), unbacked, quantity mismatches, negative margins, margin outliers per SKU, ambiguous.",
            discussion: "Amounts are exact decimals. A margin outlier is a line whose margin/cost ratio lies more than two standard deviations from its SKU's mean (SKUs with 5 or more matched lines).")
        @OptionGroup var options: Options

        func run() async throws {
            try await runReportingErrors(options.database) {
                _ = try Reports.run(Reports.exceptionsSQL(month: options.month?.description), databasePath: options.database.path, format: options.queryFormat)
                return .success
            }
        }
    }

    struct Margin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cost, sell, margin and margin % per customer or per SKU.")
        @OptionGroup var options: Options
        @Option(help: "customer or sku.") var by: Reports.MarginGrouping = .customer

        func run() async throws {
            try await runReportingErrors(options.database) {
                _ = try Reports.run(Reports.marginSQL(month: options.month?.description, by: by), databasePath: options.database.path, format: options.queryFormat)
                return .success
            }
        }
    }
}

extension Report {
    struct HTML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "html",
            abstract: "Write one self-contained HTML page of margin, leakage, match status, exceptions and data freshness.",
            discussion: """
                Charts (inline SVG, exact figures on hover) and tables for the last --months months per currency, the chosen \
                month's exceptions, top unbilled customers and SKUs, and margin by customer; then the last good run per \
                endpoint, failing data checks and quarantined documents. The figures come from the same queries as \
                `report margin` and `report exceptions`. The page loads nothing from the network and needs no JavaScript.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("The month the tables show (default: last month, or the latest month with purchases if earlier).", valueName: "YYYY-MM"))
        var month: Month?
        @Option(help: "How many months the charts cover, ending with --month.") var months: Int = 12
        @Option(help: ArgumentHelp("Write the page here.", valueName: "file")) var out: String = "billwh-report.html"
        @Option(help: "en writes 1,234.56; nl writes 1.234,56.") var locale: ReportLocale = .en

        func validate() throws {
            guard (1...120).contains(months) else { throw ValidationError("--months takes 1 to 120") }
        }

        func run() async throws {
            try await runReportingErrors(database) {
                try HTMLReport.write(databasePath: database.path,
                                     options: HTMLReport.Options(month: month, months: months, locale: locale), to: out)
                Console.note("report written to \(out)")
                return .success
            }
        }
    }
}

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
            _ = try runner.close(month: month, note: note)
            Console.note("closed \(month): its purchases are frozen; later changes become adjustments")
            return .success
        }
    }
}

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
            let report = try runner.reopen(month: month, reason: reason)
            Console.note("reopened \(month); \(Summaries.reconcile(report))", terminator: "")
            return .success
        }
    }
}

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
