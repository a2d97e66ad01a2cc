#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import GRDBSQLite
import JSON
import Warehouse

/// The accounting export of `purchases` (the column contract in docs/schema.md and the README).
package enum PurchasesExport {
    /// The export's columns, in their fixed order: the 18 of the first release, then what
    /// each row is (`row_kind` … `vat`).
    package static let columns = [
        "vendor", "invoice_id", "invoice_date", "customer_number", "customer_name", "subscription_id",
        "sku", "description", "charge_type", "period_start", "period_end", "currency",
        "quantity_bought", "quantity_billed", "cost", "sell", "margin", "match_status",
        "row_kind", "adjusts_month", "document_type", "sales_document_id", "vat",
    ]

    /// The `purchases_export` view's columns they come from (amounts in micro-units).
    package static let sourceColumns = [
        "vendor", "invoice_id", "invoice_date", "customer_number", "customer_name", "subscription_id",
        "sku", "description", "charge_type", "period_start", "period_end", "currency",
        "quantity_bought", "quantity_billed", "cost_micros", "sell_micros", "margin_micros", "match_status",
        "row_kind", "adjusts_month", "document_type", "sales_document_id", "vat_micros",
    ]

    /// The documented keys, then every other exported column, so that rows tying on the keys
    /// come out in an order the documents decide: two warehouses holding the same documents,
    /// whatever order they arrived in, export the same bytes. purchase_id only orders rows
    /// that are the same in every column.
    package static let orderBy = """
        invoice_date, vendor, invoice_id, customer_number, sku, period_start, period_end, subscription_id, charge_type, \
        currency, sales_document_id, row_kind, adjusts_month, document_type, cost_micros, sell_micros, vat_micros, \
        quantity_bought, quantity_billed, match_status, description, customer_name, purchase_id
        """

    /// The query the export runs; with a selection, `?1` is the first day and `?2` the day after
    /// the last (a half-open range, so a stray time suffix on a date still falls inside), on
    /// the date `by` names.
    package static func sql(selecting: Bool, by basis: DateBasis = .invoiceDate) -> String {
        "SELECT " + sourceColumns.joined(separator: ", ") + ", purchase_id FROM purchases_export"
            + (selecting ? " WHERE \(basis.column) >= ?1 AND \(basis.column) < ?2" : "")
            + " ORDER BY " + orderBy
    }

    static let currencyColumn: Int32 = 11
    static let quantityColumns: ClosedRange<Int32> = 12...13
    static let amountColumns: ClosedRange<Int32> = 14...16
    static let statusColumn: Int32 = 17
    /// `row_kind` … `sales_document_id`: text.
    static let rowFactColumns: ClosedRange<Int32> = 18...21
    static let vatColumn: Int32 = 22
    static let purchaseIDColumn: Int32 = 23
    static let columnCount: Int32 = 23
}

/// Exports inside a read transaction of `reader` (one consistent snapshot).
package func exportPurchases(_ reader: some DatabaseReader, options: ExportOptions = ExportOptions(),
                            to destination: ExportDestination) throws(ExportError) -> ExportSummary {
    try options.validate()
    do {
        return try reader.read { db in try exportPurchases(db, options: options, to: destination) }
    } catch let error as ExportError {
        throw error
    } catch {
        throw .database("\(error)")
    }
}

/// Opens the warehouse at `databasePath` read-only and exports: what `billwh export purchases` does.
package func exportPurchases(databasePath: String, options: ExportOptions = ExportOptions(),
                            to destination: ExportDestination) throws -> ExportSummary {
    try options.validate()
    let queue = try WarehouseDatabase.openReadOnly(path: databasePath)
    return try exportPurchases(queue, options: options, to: destination)
}

/// Writes the purchases export to `destination`: a file appears only when complete (written
/// to a temporary file in its folder and renamed), standard output is streamed.
package func exportPurchases(_ db: Database, options: ExportOptions = ExportOptions(),
                            to destination: ExportDestination) throws(ExportError) -> ExportSummary {
    try options.validate()
    if options.format == .xlsx { return try exportPurchasesXLSX(db, options: options, to: destination) }
    let window = try options.selection?.window()

    // Open the destination first: an unwritable path fails before any work.
    let file: AtomicFile?
    let fd: Int32
    switch destination {
    case .file(let path):
        do { file = try AtomicFile(path: path) } catch { throw .cannotWrite(path: path, reason: error.reason) }
        fd = file!.fileDescriptor
    case .standardOutput:
        file = nil
        fflush(nil)  // anything already printed through stdio goes first
        fd = STDOUT_FILENO
    }

    do {
        let statement = try PurchasesExport.prepare(PurchasesExport.sql(selecting: window != nil, by: options.by), in: db, window: window)
        var writer = ByteWriter(fileDescriptor: fd, destinationName: destination.description)
        var summary = ExportSummary(destination: destination)
        try withMemoryMappedReads(statement.connection) {
            switch options.format {
            case .csv: try writeCSV(statement, options: options, writer: &writer, summary: &summary)
            case .jsonl: try writeJSONL(statement, writer: &writer, summary: &summary)
            case .xlsx: preconditionFailure("xlsx is written by exportPurchasesXLSX")
            }
        }
        try writer.flush()
        summary.bytes = writer.bytesWritten
        try file?.commit(sync: options.syncToDisk)
        return summary
    } catch let error as ExportError {
        file?.abandon()
        throw error
    } catch let error as OutputError {
        file?.abandon()
        throw .cannotWrite(path: destination.description, reason: error.reason)
    } catch {
        file?.abandon()
        throw .database("\(error)")
    }
}

// MARK: - The hot loops

/// The amount in column `column`, nil for NULL; anything but an INTEGER is refused.
@inline(__always)
private func amount(_ statement: SteppedStatement, _ column: Int32) throws(ExportError) -> Int64? {
    switch sqlite3_column_type(statement.handle, column) {
    case SQLITE_INTEGER: return sqlite3_column_int64(statement.handle, column)
    case SQLITE_NULL: return nil
    default:
        let value = statement.text(column).map { String(decoding: $0, as: UTF8.self) } ?? ""
        throw .notAnAmount(column: PurchasesExport.sourceColumns[Int(column)],
                           purchaseID: sqlite3_column_int64(statement.handle, PurchasesExport.purchaseIDColumn), value: value)
    }
}

private func writeCSV(_ statement: SteppedStatement, options: ExportOptions,
                      writer: inout ByteWriter, summary: inout ExportSummary) throws {
    let delimiter = options.delimiter
    let decimalMark = options.decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    // `12,50` holds the delimiter only when it is a comma too.
    let quoteAmounts = decimalMark == delimiter
    let crlf: [UInt8] = [0x0D, 0x0A]
    var scratch: [UInt8] = []
    var totals = CurrencyTotals()
    let safe = options.spreadsheetSafe

    if options.bom { writer.append(UTF8Sequence.byteOrderMark) }
    for (index, name) in PurchasesExport.columns.enumerated() {
        if index > 0 { writer.append(delimiter) }
        CSVField.append(name, delimiter: delimiter, to: &writer.buffer)
    }
    writer.append(crlf)

    var rows = 0
    while try statement.step() {
        totals.select(statement.text(PurchasesExport.currencyColumn))
        for column in Int32(0)..<14 {
            if column > 0 { writer.buffer.append(delimiter) }
            guard let field = statement.text(column) else { continue }
            if PurchasesExport.quantityColumns.contains(column) {
                if let plain = SpreadsheetNumber.plainForm(field) {
                    plain.withUnsafeBufferPointer {
                        appendQuantity($0, decimalMark: decimalMark, delimiter: delimiter, scratch: &scratch, to: &writer.buffer)
                    }
                } else {
                    appendQuantity(field, decimalMark: decimalMark, delimiter: delimiter, scratch: &scratch, to: &writer.buffer)
                }
            } else {
                appendText(field, safe: safe, delimiter: delimiter, scratch: &scratch, to: &writer.buffer)
            }
        }
        for column in PurchasesExport.amountColumns {
            writer.buffer.append(delimiter)
            guard let micros = try amount(statement, column) else { continue }
            totals.add(micros, to: Int(column - PurchasesExport.amountColumns.lowerBound))
            appendAmount(micros, decimalMark: decimalMark, quoted: quoteAmounts, to: &writer.buffer)
        }
        for column in PurchasesExport.statusColumn...PurchasesExport.rowFactColumns.upperBound {
            writer.buffer.append(delimiter)
            if let field = statement.text(column) {
                appendText(field, safe: safe, delimiter: delimiter, scratch: &scratch, to: &writer.buffer)
            }
        }
        writer.buffer.append(delimiter)
        if let vat = try amount(statement, PurchasesExport.vatColumn) {
            appendAmount(vat, decimalMark: decimalMark, quoted: quoteAmounts, to: &writer.buffer)
        }
        writer.buffer.append(0x0D)
        writer.buffer.append(0x0A)
        rows += 1
        try writer.flushIfFull()
    }
    summary.rows = rows
    summary.totals = try totals.result()
}

/// An amount with at least 2 decimals and never exactly 3 (SpreadsheetSafety).
@inline(__always)
private func appendAmount(_ micros: Int64, decimalMark: UInt8, quoted: Bool, to buffer: inout [UInt8]) {
    if quoted { buffer.append(CSVField.quote) }
    let start = buffer.count
    Money.append(micros: micros, minimumDecimals: 2, decimalMark: decimalMark, to: &buffer)
    SpreadsheetSafety.padThreeDecimals(&buffer, from: start, mark: decimalMark)
    if quoted { buffer.append(CSVField.quote) }
}

/// A text field, prefixed with `'` when `safe` and a spreadsheet would take it for a formula.
@inline(__always)
private func appendText(_ field: UnsafeBufferPointer<UInt8>, safe: Bool, delimiter: UInt8, scratch: inout [UInt8], to buffer: inout [UInt8]) {
    if safe && SpreadsheetSafety.startsFormula(field) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(SpreadsheetSafety.prefix)
        scratch.append(contentsOf: field)
        scratch.withUnsafeBufferPointer { CSVField.append($0, delimiter: delimiter, to: &buffer) }
    } else {
        CSVField.append(field, delimiter: delimiter, to: &buffer)
    }
}

/// A quantity as a plain decimal, with the chosen decimal mark and padded where three decimals
/// would read as thousands.
private func appendQuantity(_ field: UnsafeBufferPointer<UInt8>, decimalMark: UInt8, delimiter: UInt8,
                            scratch: inout [UInt8], to buffer: inout [UInt8]) {
    guard decimalMark != UInt8(ascii: ".") || SpreadsheetSafety.hasThreeDecimals(field) else {
        CSVField.append(field, delimiter: delimiter, to: &buffer)
        return
    }
    scratch.removeAll(keepingCapacity: true)
    for byte in field { scratch.append(byte == UInt8(ascii: ".") ? decimalMark : byte) }
    SpreadsheetSafety.padThreeDecimals(&scratch, from: 0, mark: decimalMark)
    scratch.withUnsafeBufferPointer { CSVField.append($0, delimiter: delimiter, to: &buffer) }
}

private func writeJSONL(_ statement: SteppedStatement, writer: inout ByteWriter, summary: inout ExportSummary) throws {
    // `{"vendor":`, `,"invoice_id":`, …: each key with its punctuation, escaped once.
    let keys: [[UInt8]] = PurchasesExport.columns.enumerated().map { index, name in
        var bytes: [UInt8] = [index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ",")]
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        return bytes
    }
    let null: [UInt8] = Array("null".utf8)
    var totals = CurrencyTotals()
    var rows = 0
    while try statement.step() {
        totals.select(statement.text(PurchasesExport.currencyColumn))
        for column in Int32(0)..<PurchasesExport.columnCount {
            writer.buffer.append(contentsOf: keys[Int(column)])
            let isAmount = PurchasesExport.amountColumns.contains(column)
            if isAmount || column == PurchasesExport.vatColumn {
                if let micros = try amount(statement, column) {
                    if isAmount { totals.add(micros, to: Int(column - PurchasesExport.amountColumns.lowerBound)) }
                    writer.buffer.append(UInt8(ascii: "\""))
                    Money.append(micros: micros, minimumDecimals: 2, decimalMark: UInt8(ascii: "."), to: &writer.buffer)
                    writer.buffer.append(UInt8(ascii: "\""))
                } else {
                    writer.buffer.append(contentsOf: null)
                }
            } else if let field = statement.text(column) {
                if PurchasesExport.quantityColumns.contains(column), let plain = SpreadsheetNumber.plainForm(field) {
                    plain.withUnsafeBufferPointer { JSONString.append($0, to: &writer.buffer) }
                } else {
                    JSONString.append(field, to: &writer.buffer)
                }
            } else {
                writer.buffer.append(contentsOf: null)
            }
        }
        writer.buffer.append(UInt8(ascii: "}"))
        writer.buffer.append(0x0A)
        rows += 1
        try writer.flushIfFull()
    }
    summary.rows = rows
    summary.totals = try totals.result()
}

extension PurchasesExport {
    /// `sql` prepared with the window's bounds bound to ?1 and ?2 (the day after its end: the
    /// bound is exclusive).
    static func prepare(_ sql: String, in db: Database, window: DateWindow?) throws(ExportError) -> SteppedStatement {
        do {
            let statement = try SteppedStatement.prepare(sql, in: db)
            if let window {
                try statement.bind(window.start.description, at: 1)
                try statement.bind(window.end.adding(days: 1).description, at: 2)
            }
            return statement
        } catch {
            throw .database(error.message)
        }
    }
}
