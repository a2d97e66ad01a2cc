import ArgumentParser
import Demo
import HTMLReport
import Export
import Foundation
import Pipeline
import VendorSandbox
import Warehouse

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SQL on the warehouse, read-only unless --write.",
        discussion: "Rows are streamed to stdout. Money columns are INTEGER micro-units (*_micros); the purchases_readable view shows decimals. Schema: docs/schema.md.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The SQL to run.") var sql: String
    @Option(help: "table, csv, tsv, json or jsonl.") var format: QueryFormat = .table
    @Flag(help: "Allow statements that change the warehouse.") var write = false

    func run() async throws {
        try await runReportingErrors(database) {
            _ = try Export.runQuery(sql, databasePath: database.path, format: format, allowWrite: write)
            return .success
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Exports for accounting.",
        discussion: """
            Which format for what: --format xlsx for people (identifiers stay text with their leading zeros, amounts \
            are numbers, dates are dates, no cell is ever a formula); the Dutch CSV (--delimiter ';' --decimal-comma \
            --bom) for Excel in a Dutch locale; the default CSV for machine imports (ERP): it is byte-exact, every text \
            as stored, with no prefix added to text that starts with = + - or @. --spreadsheet-safe, and the Excel \
            variant (--bom, --decimal-comma), prefix such text with ' so that a spreadsheet never runs it as a formula.
            """,
        subcommands: [ExportPurchases.self])
}

struct ExportPurchases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purchases",
        abstract: "Export purchases as CSV, xlsx or JSONL for accounting.",
        discussion: """
            Columns: vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku, description, \
            charge_type, period_start, period_end, currency, quantity_bought, quantity_billed, cost, sell, margin, match_status, \
            row_kind (purchase or adjustment), adjusts_month (YYYY-MM for an adjustment), document_type (invoice or \
            credit_note), sales_document_id (your invoice to the customer), vat (the incoming line's VAT as sent). \
            Ordered by invoice_date, vendor, invoice_id, customer_number, sku, period_start. Amounts are exact decimals \
            with at least 2 decimals; an amount or quantity with exactly 3 gets a fourth (45.3750), so that a spreadsheet \
            in the other locale cannot read it as thousands. The default CSV holds every text byte for byte as stored, \
            for machine imports (ERP); --spreadsheet-safe, and the Excel variant (--bom, --decimal-comma), prefix a text \
            field that starts with = + - @ tab or CR with ' so that a spreadsheet never runs it as a formula. \
            --month and --from/--to select on invoice_date (inclusive), or on period_start with --by period. \
            --format xlsx (with --out FILE) writes a workbook: identifiers (invoice, customer, subscription and \
            document numbers, SKU) are text cells, amounts and quantities number cells (an amount no double holds \
            exactly is a text cell, and the count of those is reported), dates date cells; the header row is frozen. \
            A sheet holds 1,048,575 rows: a larger selection fails before anything is written. \
            The file is written to a temporary file and renamed, so a failed export never leaves half a file.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("Only this month, YYYY-MM.", valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp("First invoice date, YYYY-MM-DD.", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Last invoice date, YYYY-MM-DD.", valueName: "date")) var to: String?
    @Option(help: ArgumentHelp("Select on invoice-date (default) or period (the period start).", valueName: "invoice-date|period"))
    var by: DateBasis = .invoiceDate
    @Option(help: "csv, xlsx or jsonl.") var format: ExportFormat = .csv
    @Option(help: "Field delimiter: , or ; or tab.") var delimiter: String = ","
    @Flag(help: "Write 12,50 instead of 12.50 for amounts and quantities.") var decimalComma = false
    @Flag(help: "Start with a UTF-8 byte-order mark (for Excel).") var bom = false
    @Flag(help: "Prefix text starting with = + - @ tab CR with ' (implied by --bom and --decimal-comma).") var spreadsheetSafe = false
    @Option(help: ArgumentHelp("Write to this file (default: stdout).", valueName: "file")) var out: String?

    func options() throws -> ExportOptions {
        do {
            if format == .xlsx, ExportDestination(outOption: out) == .standardOutput {
                throw ValidationError("--format xlsx writes a file: give --out FILE.xlsx")
            }
            let options = ExportOptions(
                format: format, delimiter: try ExportOptions.parseDelimiter(delimiter), decimalComma: decimalComma, bom: bom,
                spreadsheetSafe: spreadsheetSafe,
                selection: try DateSelection.parse(month: month, from: from, to: to), by: by)
            try options.validate()
            return options
        } catch let error as ExportError {
            throw ValidationError(error.description)
        }
    }

    func validate() throws { _ = try options() }

    func run() async throws {
        try await runReportingErrors(database) {
            let destination = ExportDestination(outOption: out)
            let exportOptions = try options()
            let summary = try exportPurchases(databasePath: database.path, options: exportOptions, to: destination)
            if case .file(let path) = destination {
                // One figure per currency: amounts of different currencies are never added.
                let totals = summary.totals.map {
                    "\($0.currency) cost \(Money(micros: $0.costMicros)), sell \(Money(micros: $0.sellMicros)), margin \(Money(micros: $0.marginMicros))"
                }
                Console.note("exported \(summary.rows) purchases to \(path)" + (totals.isEmpty ? "" : ": " + totals.joined(separator: "; ")))
                if exportOptions.format == .xlsx {
                    Console.note("\(summary.textNumbers) amounts or quantities written as text cells: no spreadsheet number holds them exactly")
                }
            }
            return .success
        }
    }
}

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve the local fake vendor APIs on 127.0.0.1 until stopped (Ctrl-C).",
        discussion: "Generated, seeded data shaped like the vendors' APIs (docs/vendors.md). Point billwh at it with the variables it prints.")
    @Option(help: "Port to listen on (0 = any free port).") var port: Int = 8090
    @Option(help: "Seed of the generated data.") var seed: UInt64 = 42
    @Option(help: ArgumentHelp("Last day of the generated data, YYYY-MM-DD (default: today, UTC).", valueName: "date")) var today: String?
    @Option(help: ArgumentHelp("First day of the generated data, YYYY-MM-DD.", valueName: "date")) var from: String = "2023-10-01"
    @Option(help: "Copaco end customers (volume knob, for benchmarks).") var customers: Int = 8
    @Option(help: "Copaco metered lines per usage subscription, times this (volume knob, for benchmarks).") var scale: Int = 1
    @Option(help: ArgumentHelp(
        "Change the documents' structure as a vendor's API might (repeatable): rename:PriceLines=PriceLineItems, drop:SKU, upper-case-keys, extra-fields, totals-off.",
        discussion: "To see what billwh does when a vendor renames or drops a field (docs/vendor-changes.md).", valueName: "change"))
    var drift: [SandboxDrift] = []

    func validate() throws {
        for (name, value) in [("--today", today), ("--from", from)] {
            if let value, CalendarDate(parsing: value) == nil { throw ValidationError("\(name) must be a date YYYY-MM-DD: \(value)") }
        }
        guard customers >= 0, scale >= 1 else { throw ValidationError("--customers must be >= 0 and --scale >= 1") }
    }

    func run() async throws {
        try await runReportingErrors {
            let last = today ?? CalendarDate.today().description
            var configuration = SandboxConfiguration.demo(today: last, seed: seed)
            if from != "2023-10-01" || customers != 8 || scale != 1 {
                configuration.copacoData = .generate(seed: seed, from: from, to: last, customers: customers, linesPerSubscriptionScale: scale)
                configuration.twotcloudData = .generate(seed: seed, from: from, to: last)
            }
            configuration.port = port
            let sandbox = VendorSandbox(configuration: configuration)
            sandbox.faults.setDrift(drift)
            _ = try await sandbox.start()
            Console.out(sandbox.describe() + "\n")
            // Serve until interrupted; the process exit closes the socket.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTML report read-only on 127.0.0.1 until stopped (Ctrl-C).",
        discussion: "GET / renders `report html` anew on each request from the warehouse opened read-only; ?month=YYYY-MM&months=N&locale=en|nl as its options.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Port to listen on (0 = any free port).") var port: Int = 8091

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
    }

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let path = database.path
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no warehouse at \(path)") }
            try await ReportServer.run(databasePath: path, port: port, logger: logger) { bound in
                Console.out("serving the report of \(path) on http://127.0.0.1:\(bound)/ (read-only; Ctrl-C stops)\n")
            }
            return .success
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try billwh without credentials: sandbox → nightly → summary.",
        discussion: "Starts the fake vendor APIs in-process, back-fills their history and runs the nightly job into a fresh warehouse in --dir, exports the purchases CSV and the last complete month as xlsx, writes the HTML report (report.html), and prints a summary.")
    @Option(help: "Folder for the demo database, CSV, xlsx and report.") var dir: String = "billwh-demo"

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors {
            let result = try await DemoRunner(directory: dir, logger: logger).run()
            Console.out(result.summary)
            let report = (dir as NSString).appendingPathComponent("report.html")
            try HTMLReport.write(databasePath: result.databasePath, options: HTMLReport.Options(), to: report)
            Console.out("Report (open in a browser): \(report)\n")
            return Summaries.exitCode(result.outcome)
        }
    }
}

extension DateBasis: ExpressibleByArgument {}
