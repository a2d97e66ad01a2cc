import Foundation
import GRDB
import Testing
import Warehouse

/// A temporary folder, deleted when the last reference goes.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "billwh-export-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the folder, sorted.
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A `purchases` row; nil is NULL.
struct PurchaseRow {
    var vendor = "copaco"
    var invoiceID: String? = "INV-1"
    var invoiceDate = "2026-10-05"
    var customerNumber: String? = "000417"
    var customerName: String? = "Customer"
    var subscriptionID: String? = "sub-1"
    var sku: String? = "SKU-1"
    var description: String? = "Licence"
    var chargeType: String? = nil
    var periodStart: String? = "2026-10-01"
    var periodEnd: String? = "2026-10-31"
    var currency = "EUR"
    var quantityBought: String? = "1"
    var quantityBilled: String? = "1"
    var cost: Int64? = 1_000_000
    var sell: Int64? = 1_200_000
    var margin: Int64? = 200_000
    var status = "matched"
    var adjustsMonth: String? = nil
    var documentType = "invoice"
    var salesDocument: String? = nil
    var vat: Int64? = nil

    /// `row_kind`, `adjusts_month`, `document_type`, `sales_document_id` as exported.
    var rowFacts: [String] {
        [adjustsMonth == nil ? "purchase" : "adjustment", adjustsMonth ?? "", documentType, salesDocument ?? ""]
    }

    /// The export's fields, amounts as micros.
    var texts: [String?] {
        [vendor, invoiceID, invoiceDate, customerNumber, customerName, subscriptionID, sku, description, chargeType,
         periodStart, periodEnd, currency, quantityBought, quantityBilled]
    }
    var amounts: [Int64?] { [cost, sell, margin] }
}

enum Fixtures {
    /// Four awkward rows; in export order they are `exportOrder`.
    static let awkward: [PurchaseRow] = [
        // A: quotes, comma, ë in the name; a newline in the description; 6-decimal amounts.
        PurchaseRow(invoiceID: "INV-1", customerNumber: "000417", customerName: "Bakkerij \"De Ëik\", B.V.",
                    description: "Line one\nline two", quantityBought: "12.375", quantityBilled: "12",
                    cost: 12_500_000, sell: 15_000_001, margin: 2_500_001, salesDocument: "CS-1", vat: 2_625_000),
        // B: unbacked: no invoice, no cost; padded description; € and é.
        PurchaseRow(invoiceID: nil, customerNumber: "000418", customerName: "Café €", subscriptionID: nil, sku: "SKU-2",
                    description: " padded ", quantityBought: nil, quantityBilled: "3",
                    cost: nil, sell: 1_000_000, margin: nil, status: "unbacked", salesDocument: "CS-2"),
        // C: a credit note, negative amounts, an earlier date and another vendor.
        PurchaseRow(vendor: "twotcloud", invoiceID: "TC-9", invoiceDate: "2026-09-30", customerNumber: "000001",
                    customerName: "Acme Ltd", subscriptionID: "sub-9", sku: "SKU-9", description: "Credit note",
                    chargeType: "credit", periodStart: "2026-09-01", periodEnd: "2026-09-30",
                    quantityBought: "-1", quantityBilled: "-1", cost: -3_000_000, sell: -3_600_000, margin: -600_000,
                    documentType: "credit_note", salesDocument: "TC-S9", vat: -630_000),
        // D: next month, the smallest and a large amount; an adjustment of a closed month.
        PurchaseRow(invoiceID: "INV-2", invoiceDate: "2026-11-01", customerName: "Tiny", description: "Tiny",
                    chargeType: "usage", periodStart: "2026-11-01", periodEnd: "2026-11-30",
                    quantityBought: "0.5", quantityBilled: "0.5", cost: 1, sell: 123_456_789_012, margin: 123_456_789_011,
                    adjustsMonth: "2026-10"),
    ]
    static let exportOrder = [2, 1, 0, 3]

    static func warehouse(in folder: TemporaryFolder, rows: [PurchaseRow] = awkward) throws -> (path: String, queue: DatabaseQueue) {
        let path = folder.file("warehouse.sqlite")
        let queue = try WarehouseDatabase.openForWriting(path: path)
        try queue.write { db in
            for row in rows { try insert(row, db) }
        }
        return (path, queue)
    }

    static func insert(_ row: PurchaseRow, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
              sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
              cost_micros, sell_micros, margin_micros, match_status, adjusts_month, document_type, outgoing_document, vat_micros)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [row.vendor, row.invoiceID, row.invoiceDate, row.customerNumber, row.customerName,
                             row.subscriptionID, row.sku, row.description, row.chargeType, row.periodStart,
                             row.periodEnd, row.currency, row.quantityBought, row.quantityBilled,
                             row.cost, row.sell, row.margin, row.status, row.adjustsMonth, row.documentType,
                             row.salesDocument, row.vat])
    }

    /// Runs a Python script with arguments; returns its standard output, fails on a non-zero exit.
    static func python(_ script: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailed(message: String(decoding: errors, as: UTF8.self))
        }
        return data
    }

    struct PythonFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "python3 failed: \(message)" }
    }

    /// Parses a CSV file with Python's csv module into rows of strings (JSON in between).
    static func parseCSV(_ path: String, delimiter: String, encoding: String = "utf-8") throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding=sys.argv[3]) as f:
                rows = list(csv.reader(f, delimiter=sys.argv[2], strict=True))
            json.dump(rows, sys.stdout)
            """
        let data = try python(script, [path, delimiter, encoding])
        return try JSONDecoder().decode([[String]].self, from: data)
    }

    static func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Exact micros of a decimal text such as `-3.60` or `12,50` (no floating point).
    static func micros(_ text: String, decimalComma: Bool = false) throws -> Int64 {
        try Money(parsing: decimalComma ? text.replacingOccurrences(of: ",", with: ".") : text).micros
    }
}
