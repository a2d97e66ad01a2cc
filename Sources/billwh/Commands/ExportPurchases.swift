import ArgumentParser
import Export
import Foundation
import Pipeline
import Warehouse

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
            The file is written to a temporary file and renamed, so a failed export never leaves half a file. \
            An export while documents staged since the last reconcile wait for it (a run stopped before reconciling) is \
            refused, saying to run `billwh reconcile`; during a run it shows purchases as the last reconcile left them.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("Only this month, YYYY-MM.", valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp("First invoice date, YYYY-MM-DD.", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Last invoice date, YYYY-MM-DD.", valueName: "date")) var to: String?
    @Option(help: ArgumentHelp("Select on invoice-date (default) or period (the period start).", valueName: "invoice-date|period"))
    var by: DateBasis = .invoiceDate
    @Option(help: "csv, xlsx or jsonl (default: xlsx or jsonl when --out ends in .xlsx or .jsonl, else csv).")
    var format: ExportFormat?
    @Option(help: "Field delimiter: , or ; or tab.") var delimiter: String = ","
    @Flag(help: "Write 12,50 instead of 12.50 for amounts and quantities.") var decimalComma = false
    @Flag(help: "Start with a UTF-8 byte-order mark (for Excel).") var bom = false
    @Flag(inversion: .prefixedNo,
          help: "Prefix text starting with = + - @ tab CR with ' (the default with --bom or --decimal-comma; --no-spreadsheet-safe keeps such text as stored, for an import that is no spreadsheet).")
    var spreadsheetSafe: Bool?
    @Option(help: ArgumentHelp("Write to this file (default: stdout).", valueName: "file")) var out: String?
    @Flag(help: "Export purchases as they are although documents staged since the last reconcile are not in them (refused otherwise: a run stopped before reconciling).")
    var unreconciled = false

    /// `--format`, else what `--out`'s extension says: `--out october.xlsx` is a workbook.
    var resolvedFormat: ExportFormat {
        if let format { return format }
        guard case .file(let path) = ExportDestination(outOption: out) else { return .csv }
        return ExportFormat(rawValue: (path as NSString).pathExtension.lowercased()) ?? .csv
    }

    func options() throws -> ExportOptions {
        let format = resolvedFormat
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
        InterruptCleanup.install()
        try await runReportingErrors(database) {
            let destination = ExportDestination(outOption: out)
            let exportOptions = try options()
            // One snapshot: purchases are judged current in the transaction that exports them.
            let queue = try WarehouseDatabase.openReadOnly(path: database.path)
            let exported = try queue.read { db -> (ExportSummary, gaps: [String])? in
                guard try PurchasesFreshness.check(db, databasePath: database.path, what: "this export", override: "--unreconciled",
                                                   takeAsTheyAre: unreconciled) else { return nil }
                let summary = try exportPurchases(db, options: exportOptions, to: destination)
                // Invoice dates whose documents may not all be here: said beside the export.
                guard exportOptions.by == .invoiceDate, let window = try exportOptions.selection?.window() else { return (summary, []) }
                return (summary, try DocumentGaps.find(db, in: window, today: CalendarDate.today()))
            }
            guard let (summary, gaps) = exported else { return ExitCode(1) }
            for gap in gaps { Console.note("warning: the export may be incomplete: \(gap)") }
            if case .file(let path) = destination {
                // One figure per currency: amounts of different currencies are never added. The
                // margin is the column's, of rows with both sides; `report margin` is sell - cost.
                let totals = summary.totals.map {
                    "\($0.currency) cost \(Money(micros: $0.costMicros)), sell \(Money(micros: $0.sellMicros)), "
                        + "margin of the rows with both sides \(Money(micros: $0.marginMicros))"
                }
                Console.note("exported \(summary.rows) purchases to \(path)" + (totals.isEmpty ? "" : ": " + totals.joined(separator: "; ")))
                if exportOptions.format == .xlsx {
                    Console.note("\(summary.textNumbers) amounts or quantities written as text cells: no spreadsheet number holds them exactly")
                    if summary.cutTexts > 0 {
                        Console.note("warning: \(summary.cutTexts) texts cut to the 32,767 characters a spreadsheet cell holds (Excel calls a file with longer ones damaged); the CSV export keeps them whole")
                    }
                }
            }
            return .success
        }
    }
}
