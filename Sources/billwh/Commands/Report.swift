import ArgumentParser
import HTMLReport
import Export
import Foundation
import Pipeline
import Reconciliation
import Warehouse

struct Report: CommandGroup {
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
            abstract: "Per customer: unbilled (revenue leakage), unbilled credits, unbacked, unbacked credits, quantity mismatches, negative margins, margin outliers per SKU, ambiguous.",
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
        static let configuration = CommandConfiguration(
            abstract: "Cost, sell, margin and margin % per customer or per SKU.",
            discussion: """
                margin = sum(sell) - sum(cost) over every row: unbilled cost and unbacked sell count \
                against and for it, so it is what the month earned. The export's summary line and \
                its margin column count only rows with both sides (margin_micros). margin % is \
                margin / sell.
                """)
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
        @Option(help: ArgumentHelp("Write the page here (- for standard output; a symbolic link's target is replaced, not the link).",
                                   valueName: "file")) var out: String = "billwh-report.html"
        @Option(help: "en writes 1,234.56; nl writes 1.234,56.") var locale: ReportLocale = .en

        func validate() throws {
            guard (1...120).contains(months) else { throw ValidationError("--months takes 1 to 120") }
            let today = CalendarDate.today()
            if let month, month > Month(of: today) {
                throw ValidationError("--month \(month) has not begun (today is \(today)): a mistyped year? The page would show it empty")
            }
        }

        func run() async throws {
            InterruptCleanup.install()
            try await runReportingErrors(database) {
                try HTMLReport.write(databasePath: database.path,
                                     options: HTMLReport.Options(month: month, months: months, locale: locale), to: out) { db in
                    _ = try PurchasesFreshness.check(db, databasePath: database.path, what: "the report", takeAsTheyAre: true)
                }
                if out != "-" { Console.note("report written to \(out)") }
                return .success
            }
        }
    }
}
