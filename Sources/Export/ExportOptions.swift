import Warehouse

package enum ExportFormat: String, Sendable, CaseIterable {
    /// `xlsx`: a workbook with typed cells, for people; written to a file only.
    case csv, jsonl, xlsx
}

/// Which purchases to export, on `invoice_date` (or `period_start`, `DateBasis`), both ends inclusive.
package enum DateSelection: Sendable, Hashable, CustomStringConvertible {
    /// `--month 2026-10`: 2026-10-01 ... 2026-10-31.
    case month(year: Int, month: Int)
    /// `--from 2026-10-01 --to 2026-12-31`.
    case range(from: CalendarDate, to: CalendarDate)

    /// The inclusive window, or an error for a month that does not exist or `from` after `to`.
    package func window() throws(ExportError) -> DateWindow {
        switch self {
        case let .month(year, month):
            guard let first = CalendarDate(year: year, month: month, day: 1),
                  let last = CalendarDate(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year)),
                  let window = DateWindow(start: first, end: last)
            else { throw .invalidOption("--month: \(year)-\(month) is not a month") }
            return window
        case let .range(from, to):
            guard let window = DateWindow(start: from, end: to) else {
                throw .invalidOption("--from \(from) is after --to \(to)")
            }
            return window
        }
    }

    /// From the command-line options: `--month YYYY-MM`, or `--from DATE --to DATE` (both),
    /// or nothing (every purchase). Errors are usage errors (exit 64).
    package static func parse(month: String?, from: String?, to: String?) throws(ExportError) -> DateSelection? {
        if let month {
            guard from == nil, to == nil else { throw .invalidOption("give either --month or --from/--to, not both") }
            let bytes = Array(month.utf8)
            guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
                  let date = CalendarDate(parsing: month + "-01")
            else { throw .invalidOption("--month wants YYYY-MM, e.g. 2026-10; got '\(month)'") }
            return .month(year: date.year, month: date.month)
        }
        switch (from, to) {
        case (nil, nil):
            return nil
        case let (from?, to?):
            guard from.utf8.count == 10, let start = CalendarDate(parsing: from) else {
                throw .invalidOption("--from wants YYYY-MM-DD; got '\(from)'")
            }
            guard to.utf8.count == 10, let end = CalendarDate(parsing: to) else {
                throw .invalidOption("--to wants YYYY-MM-DD; got '\(to)'")
            }
            let selection = DateSelection.range(from: start, to: end)
            _ = try selection.window()
            return selection
        default:
            throw .invalidOption("--from and --to go together")
        }
    }

    package var description: String {
        switch self {
        case let .month(year, month):
            String(year) + "-" + (month < 10 ? "0" : "") + String(month)
        case let .range(from, to):
            "\(from)..\(to)"
        }
    }
}

/// `billwh export purchases` options (the column contract in docs/schema.md and the README).
package struct ExportOptions: Sendable {
    package var format: ExportFormat
    /// `,` (default), `;` or tab.
    package var delimiter: UInt8
    /// `12,50` instead of `12.50`, for amounts and quantities (CSV only).
    package var decimalComma: Bool
    /// Prefix EF BB BF so that Excel reads UTF-8 (CSV only).
    package var bom: Bool
    /// `--spreadsheet-safe` / `--no-spreadsheet-safe`: prefix text fields a spreadsheet would
    /// take for a formula with `'`; nil when neither was given.
    package var spreadsheetSafeFlag: Bool?
    /// Whether text fields are made formula-safe: asked for, or by default the Excel variant (a
    /// BOM or a decimal comma is for a spreadsheet), unless refused for an import that takes
    /// the text as it is. The default CSV stays byte for byte what is stored.
    package var spreadsheetSafe: Bool { spreadsheetSafeFlag ?? (bom || decimalComma) }
    /// nil: every purchase.
    package var selection: DateSelection?
    /// The date `selection` compares: the invoice date (default) or the period start.
    package var by: DateBasis
    /// `fsync` the file before renaming it into place (files only).
    package var syncToDisk: Bool

    package init(format: ExportFormat = .csv, delimiter: UInt8 = UInt8(ascii: ","), decimalComma: Bool = false,
                bom: Bool = false, spreadsheetSafe: Bool? = nil, selection: DateSelection? = nil, by: DateBasis = .invoiceDate,
                syncToDisk: Bool = true) {
        self.format = format
        self.delimiter = delimiter
        self.decimalComma = decimalComma
        self.bom = bom
        self.spreadsheetSafeFlag = spreadsheetSafe
        self.selection = selection
        self.by = by
        self.syncToDisk = syncToDisk
    }

    package static let allowedDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]

    /// `--delimiter`: `,` `;` `tab` (or a literal tab).
    package static func parseDelimiter(_ text: String) throws(ExportError) -> UInt8 {
        switch text {
        case ",": return UInt8(ascii: ",")
        case ";": return UInt8(ascii: ";")
        case "tab", "TAB", "\\t", "\t": return UInt8(ascii: "\t")
        default: throw .invalidOption("--delimiter takes , ; or tab; got '\(text)'")
        }
    }

    /// Usage errors: a delimiter other than , ; tab, or CSV-only options with JSONL.
    package func validate() throws(ExportError) {
        guard ExportOptions.allowedDelimiters.contains(delimiter) else {
            throw .invalidOption("--delimiter takes , ; or tab")
        }
        if format == .jsonl {
            if decimalComma { throw .invalidOption("--decimal-comma applies to CSV only: JSONL amounts are decimal strings like \"12.50\"") }
            if bom { throw .invalidOption("--bom applies to CSV only") }
            if spreadsheetSafeFlag == true { throw .invalidOption("--spreadsheet-safe applies to CSV only: JSONL strings are never formulas") }
            if delimiter != UInt8(ascii: ",") { throw .invalidOption("--delimiter applies to CSV only") }
        }
        if format == .xlsx {
            if decimalComma { throw .invalidOption("--decimal-comma applies to CSV only: xlsx amounts are numbers, shown in the reader's locale") }
            if bom { throw .invalidOption("--bom applies to CSV only") }
            if spreadsheetSafeFlag == true { throw .invalidOption("--spreadsheet-safe applies to CSV only: xlsx text is never a formula") }
            if delimiter != UInt8(ascii: ",") { throw .invalidOption("--delimiter applies to CSV only") }
        }
        _ = try selection?.window()
    }
}

package enum ExportDestination: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case standardOutput

    /// `--out FILE`; no option or `-` is standard output.
    package init(outOption: String?) {
        if let outOption, outOption != "-" { self = .file(outOption) } else { self = .standardOutput }
    }

    package var description: String {
        switch self {
        case .file(let path): path
        case .standardOutput: "standard output"
        }
    }
}

package struct ExportSummary: Sendable, Hashable {
    package var rows: Int = 0
    /// Sums of the exported rows' `cost_micros`, `sell_micros`, `margin_micros` (NULL counts 0),
    /// per currency, by currency code.
    package var totals: [CurrencyTotal] = []
    package var bytes: Int = 0
    package var destination: ExportDestination
    /// xlsx: amounts and quantities written as text cells because no double holds them exactly.
    package var textNumbers: Int = 0
    /// xlsx: texts cut to what a cell holds (`XLSXSheetWriter.cellCharacters`).
    package var cutTexts: Int = 0

    package init(destination: ExportDestination) { self.destination = destination }
}

package enum ExportError: Error, CustomStringConvertible {
    /// Bad options: the CLI exits 64.
    case invalidOption(String)
    /// The destination cannot be created or written; nothing was left behind.
    case cannotWrite(path: String, reason: String)
    /// SQLite's message.
    case database(String)
    /// A `*_micros` column holding something other than an integer: exporting it would not be exact.
    case notAnAmount(column: String, purchaseID: Int64, value: String)
    case totalOutOfRange(column: String)
    /// More rows than a spreadsheet sheet holds; nothing was written.
    case tooManyRowsForASheet(rows: Int)

    /// true for errors in the options (exit 64), false for failures (exit 1).
    package var isUsageError: Bool {
        if case .invalidOption = self { return true }
        return false
    }

    package var description: String {
        switch self {
        case .invalidOption(let message): message
        case let .cannotWrite(path, reason): "cannot write the export to \(path): \(reason)"
        case .database(let message): "reading purchases failed: \(message)"
        case let .notAnAmount(column, purchaseID, value):
            "purchases.\(column) of purchase_id \(purchaseID) is not an integer amount of micro-units ('\(value.prefix(40))'): refusing to export an inexact amount"
        case .totalOutOfRange(let column): "the total of \(column) does not fit in 64 bits"
        case .tooManyRowsForASheet(let rows):
            "the selection holds \(rows) purchases, more than the 1,048,575 rows a spreadsheet sheet holds: nothing was written; "
                + "select less with --month (or --from/--to), or export CSV (--format csv)"
        }
    }
}
