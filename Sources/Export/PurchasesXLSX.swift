#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import GRDBSQLite
import Warehouse

/// The purchases export as a workbook for people: identifiers are text (leading zeros kept),
/// amounts and quantities numbers, dates dates, and no cell is ever a formula.
enum PurchasesXLSX {
    /// What each export column becomes in the sheet.
    enum Kind { case text, label, date, decimal, amount }

    static let kinds: [Kind] = PurchasesExport.columns.map { (name: String) -> Kind in
        switch name {
        case "invoice_date", "period_start", "period_end": .date
        case "quantity_bought", "quantity_billed": .decimal
        case "cost", "sell", "margin", "vat": .amount
        case "vendor", "charge_type", "currency", "match_status", "row_kind", "adjusts_month", "document_type": .label
        default: .text
        }
    }

    static let widths: [String: Int] = [
        "vendor": 10, "invoice_id": 18, "invoice_date": 12, "customer_number": 16, "customer_name": 34,
        "subscription_id": 38, "sku": 22, "description": 42, "charge_type": 14, "period_start": 12, "period_end": 12,
        "currency": 9, "quantity_bought": 16, "quantity_billed": 16, "cost": 14, "sell": 14, "margin": 14,
        "match_status": 18, "row_kind": 11, "adjusts_month": 14, "document_type": 14, "sales_document_id": 18, "vat": 12,
    ]

    static let columns = PurchasesExport.columns.map {
        XLSXSheetWriter.Column(name: $0, width: max(widths[$0] ?? 12, $0.count + 2))
    }

    static let sheetName = "purchases"

    /// The rows `sql` would select: counted first, so that a selection a sheet cannot hold
    /// fails before anything is written.
    static func count(_ db: Database, window: DateWindow?, by basis: DateBasis) throws(ExportError) -> Int {
        let statement = try PurchasesExport.prepare(
            "SELECT count(*) FROM purchases_export" + (window != nil ? " WHERE \(basis.column) >= ?1 AND \(basis.column) < ?2" : ""),
            in: db, window: window)
        do {
            guard try statement.step() else { return 0 }
            return Int(sqlite3_column_int64(statement.handle, 0))
        } catch {
            throw .database(error.message)
        }
    }
}

/// The xlsx export: counts the selection, streams the sheet's XML into a scratch file beside
/// the destination (unlinked at once, so nothing is left behind), then deflates it into the
/// workbook's zip, which appears at `destination` only when complete.
func exportPurchasesXLSX(_ db: Database, options: ExportOptions, to destination: ExportDestination) throws(ExportError) -> ExportSummary {
    guard case .file(let path) = destination else {
        throw .invalidOption("--format xlsx writes a file: give --out FILE.xlsx")
    }
    let window = try options.selection?.window()
    let rows = try PurchasesXLSX.count(db, window: window, by: options.by)
    guard rows <= XLSXSheetWriter.maximumDataRows else {
        throw .tooManyRowsForASheet(rows: rows)
    }

    let file: AtomicFile
    do { file = try AtomicFile(path: path) } catch { throw .cannotWrite(path: path, reason: error.reason) }
    guard let archivePath = file.temporaryPath else {
        file.abandon()
        throw .cannotWrite(path: path, reason: "an xlsx is a zip file and needs a regular file, not a device or pipe")
    }
    let scratchPath = archivePath + ".sheet"
    let scratch = open(scratchPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard scratch >= 0 else {
        let reason = String(cString: strerror(errno))
        file.abandon()
        throw .cannotWrite(path: path, reason: reason)
    }
    unlink(scratchPath)
    defer { close(scratch) }

    do {
        let statement = try PurchasesExport.prepare(PurchasesExport.sql(selecting: window != nil, by: options.by), in: db, window: window)
        var sheet = XLSXSheetWriter(writer: ByteWriter(fileDescriptor: scratch, destinationName: path),
                                    columns: PurchasesExport.columns.count)
        var summary = ExportSummary(destination: destination)
        // Read through the page cache, not a memory map as the CSV does: the deflating takes
        // most of the time here, and a map would add the whole database file to the RSS.
        try writeSheet(statement, sheet: &sheet, summary: &summary)
        try sheet.writer.flush()
        try XLSXPackage.write(to: archivePath, archiveFile: file.fileDescriptor, sheetName: PurchasesXLSX.sheetName,
                              sharedStrings: sheet.sharedStringsXML(), sheetFile: scratch, sheetSize: Int64(sheet.writer.bytesWritten))
        var info = stat()
        if fstat(file.fileDescriptor, &info) == 0 { summary.bytes = Int(info.st_size) }
        try file.commit(sync: options.syncToDisk)
        return summary
    } catch let error as ExportError {
        file.abandon()
        throw error
    } catch let error as OutputError {
        file.abandon()
        throw .cannotWrite(path: path, reason: error.reason)
    } catch {
        file.abandon()
        throw .database("\(error)")
    }
}

private func writeSheet(_ statement: SteppedStatement, sheet: inout XLSXSheetWriter, summary: inout ExportSummary) throws {
    var totals = CurrencyTotals()
    let kinds = PurchasesXLSX.kinds
    sheet.begin(columns: PurchasesXLSX.columns)
    var rows = 0
    var textNumbers = 0
    var cutTexts = 0
    while try statement.step() {
        guard rows < XLSXSheetWriter.maximumDataRows else { throw ExportError.tooManyRowsForASheet(rows: rows + 1) }
        totals.select(statement.text(PurchasesExport.currencyColumn))
        sheet.beginRow()
        for column in Int32(0)..<PurchasesExport.columnCount {
            switch kinds[Int(column)] {
            case .amount:
                let micros: Int64?
                switch sqlite3_column_type(statement.handle, column) {
                case SQLITE_INTEGER: micros = sqlite3_column_int64(statement.handle, column)
                case SQLITE_NULL: micros = nil
                default:
                    let value = statement.text(column).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    throw ExportError.notAnAmount(column: PurchasesExport.sourceColumns[Int(column)],
                                                  purchaseID: sqlite3_column_int64(statement.handle, PurchasesExport.purchaseIDColumn),
                                                  value: value)
                }
                guard let micros else { sheet.empty(); continue }
                if PurchasesExport.amountColumns.contains(column) {
                    totals.add(micros, to: Int(column - PurchasesExport.amountColumns.lowerBound))
                }
                if sheet.amount(micros: micros) { textNumbers += 1 }
            case .decimal:
                guard let field = statement.text(column) else { sheet.empty(); continue }
                if sheet.decimal(field) { textNumbers += 1 }
            case .date:
                guard let field = statement.text(column) else { sheet.empty(); continue }
                sheet.date(field)
            case .text:
                guard let field = statement.text(column) else { sheet.empty(); continue }
                if sheet.text(field) { cutTexts += 1 }
            case .label:
                guard let field = statement.text(column) else { sheet.empty(); continue }
                if sheet.label(field, column: Int(column)) { cutTexts += 1 }
            }
        }
        sheet.endRow()
        rows += 1
        try sheet.writer.flushIfFull()
    }
    sheet.end()
    summary.rows = rows
    summary.textNumbers = textNumbers
    summary.cutTexts = cutTexts
    summary.totals = try totals.result()
}
