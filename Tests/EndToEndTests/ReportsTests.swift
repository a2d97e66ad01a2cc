import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport
import Warehouse

/// The exceptions report on crafted purchases: one customer per exception class.
@Suite struct ReportsTests {
    /// The warehouse and the reports live in `folder`, removed when the test ends.
    func warehouse(in folder: TempDir) throws -> (path: String, queue: DatabaseQueue) {
        let path = folder.path("w.sqlite")
        let queue = try WarehouseDatabase.openForWriting(path: path)
        try queue.write { db in
            func add(_ customer: String, _ status: String, cost: Int64?, sell: Int64?, sku: String = "SKU", date: String = "2026-10-23",
                     type: String = "invoice") throws {
                let margin: Int64? = (cost != nil && sell != nil) ? sell! - cost! : nil
                try db.execute(sql: """
                    INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, sku, currency,
                        cost_micros, sell_micros, margin_micros, match_status, customer_key, document_type)
                    VALUES ('copaco', 'INV', ?, ?, ?, ?, 'EUR', ?, ?, ?, ?, ?, ?)
                    """, arguments: [date, customer, "Name \(customer)", sku, cost, sell, margin, status, customer, type])
            }
            try add("U", "unbilled", cost: 7_000_000, sell: nil)
            try add("U", "unbilled", cost: 1_500_000, sell: nil)
            // A vendor's credit not passed on, and a customer's credit with no vendor credit:
            // kinds of their own, so that neither nets a leak away.
            try add("U", "unbilled", cost: -10_500_000, sell: nil, type: "credit_note")
            try add("B", "unbacked", cost: nil, sell: 2_000_000)
            try add("B", "unbacked", cost: nil, sell: -1_000_000, type: "credit_note")
            try add("Q", "quantity_mismatch", cost: 10_000_000, sell: 11_000_000)
            try add("N", "matched", cost: 10_000_000, sell: 9_000_000)            // billed below cost
            try add("C", "matched", cost: -10_000_000, sell: -12_000_000)         // a credit note: not an exception
            try add("A", "ambiguous", cost: 3_000_000, sell: nil)
            for i in 0..<8 { try add("M\(i)", "matched", cost: 100_000_000, sell: 120_000_000, sku: "OUT") }
            try add("X", "matched", cost: 100_000_000, sell: 300_000_000, sku: "OUT")  // 200% vs 20%: an outlier
            try add("U", "unbilled", cost: 99_000_000, sell: nil, date: "2026-09-23")  // another month
        }
        return (path, queue)
    }

    @Test func everyExceptionClassPerCustomerWithExactAmounts() throws {
        let folder = try TempDir()
        let (path, _) = try warehouse(in: folder)
        let out = folder.url.appendingPathComponent("report.csv")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        _ = try Reports.run(Reports.exceptionsSQL(month: "2026-10"), databasePath: path, format: .csv, output: handle)
        try handle.close()
        let text = try String(contentsOf: out, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.first == "exception,vendor,customer_number,customer_name,currency,lines,cost,sell,margin,skus")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0[4] == "EUR" })
        let summary = rows.map { "\($0[0]) \($0[2]) \($0[5]) \($0[6]) \($0[7]) \($0[8])" }
        #expect(summary == [
            "unbilled U 2 8.50  ",
            "unbilled_credit U 1 -10.50  ",
            "unbacked B 1  2.00 ",
            "unbacked_credit B 1  -1.00 ",
            "quantity_mismatch Q 1 10.00 11.00 1.00",
            "negative_margin N 1 10.00 9.00 -1.00",
            "margin_outlier X 1 100.00 300.00 200.00",
            "ambiguous A 1 3.00  ",
        ])
        // Without --month, September's unbilled line counts too.
        let all = folder.url.appendingPathComponent("report-all.csv")
        _ = FileManager.default.createFile(atPath: all.path, contents: nil)
        let allHandle = try FileHandle(forWritingTo: all)
        _ = try Reports.run(Reports.exceptionsSQL(month: nil), databasePath: path, format: .csv, output: allHandle)
        try allHandle.close()
        #expect(try String(contentsOf: all, encoding: .utf8).contains("unbilled,copaco,U,Name U,EUR,3,107.50,,,SKU"))
    }
}
