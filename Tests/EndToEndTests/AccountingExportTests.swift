@testable import Demo
import Export
import Foundation
import GRDB
@testable import Pipeline
import Testing
import VendorSandbox
@testable import Vendors
import Warehouse

/// The accounting export against the sandbox: what each row is (adjustment, credit note, sales
/// document, VAT) as a Python csv reader and LibreOffice see it, and a customer billed in two
/// currencies, whose amounts no report adds up.
@Suite(.serialized) struct AccountingExportTests {
    /// The export's rows as Python's csv module reads them (header first).
    static func readCSV(_ path: String, delimiter: String = ",", encoding: String = "utf-8") throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding=sys.argv[3]) as f:
                json.dump(list(csv.reader(f, delimiter=sys.argv[2], strict=True)), sys.stdout)
            """
        return try JSONDecoder().decode([[String]].self, from: Data(python(script, arguments: [path, delimiter, encoding]).utf8))
    }

    /// Exact micro-units of an amount as exported (`12.50`, `12,50`); nil for an empty field.
    static func micros(_ text: String) throws -> Int64? {
        text.isEmpty ? nil : try Money(parsing: text.replacingOccurrences(of: ",", with: ".")).micros
    }

    @Test func theExportSaysWhatEachRowIs() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            #expect(try await runBillwh(["close", "--db", harness.databasePath, "--month", "2026-03"]).status == 0)
            let target = try #require(harness.sandbox.copacoData.documents(.invoices, from: "2026-03-01", to: "2026-03-31").first { !$0.isCredit })
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            _ = try await harness.backfillAndReconcile()

            let csv = harness.directory.appendingPathComponent("all.csv").path
            let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--out", csv])
            #expect(export.status == 0, "\(export.stderr)")
            // `--out` naming the warehouse (or any SQLite file) is refused, and the file is whole.
            for format in ["csv", "xlsx"] {
                let over = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--format", format, "--out", harness.databasePath])
                #expect(over.status == 1 && over.stderr.contains("an SQLite database"), "\(over.stderr)")
            }
            #expect(try await runBillwh(["query", "--db", harness.databasePath, "SELECT count(*) FROM purchases"]).status == 0)
            let table = try Self.readCSV(csv)
            #expect(table.first == PurchasesExport.columns)
            let column = Dictionary(uniqueKeysWithValues: PurchasesExport.columns.enumerated().map { ($1, $0) })
            let rows = table.dropFirst().map { row in { (name: String) in row[column[name]!] } }
            #expect(rows.count == Int(try harness.scalar("SELECT count(*) FROM purchases")))

            // A closed month plus a re-issue: adjustment rows, marked as such, dated in April.
            let adjustments = rows.filter { $0("row_kind") == "adjustment" }
            #expect(!adjustments.isEmpty)
            #expect(adjustments.allSatisfy { $0("adjusts_month") == "2026-03" && $0("invoice_date") == "2026-04-01" && $0("invoice_id") == target.invoiceID })
            #expect(rows.allSatisfy { $0("row_kind") == "adjustment" || ($0("row_kind") == "purchase" && $0("adjusts_month").isEmpty) })

            // Credit notes and invoices, from the incoming document.
            let data = harness.sandbox.copacoData
            let documents = data.documents(.invoices, from: history.start.description, to: history.end.description)
            let credits = Set(documents.filter(\.isCredit).map(\.invoiceID))
            try #require(!credits.isEmpty)
            for row in rows where !row("invoice_id").isEmpty {
                #expect(row("document_type") == (credits.contains(row("invoice_id")) ? "credit_note" : "invoice"), "\(row("invoice_id"))")
            }

            // The sales document is the customer specification of the invoice; VAT is the
            // invoice lines' VAT as the sandbox sent it (adjustments carry the re-issue's difference).
            let specifications = data.documents(.customerSpecifications, from: history.start.description, to: history.end.description)
            let specificationOf = Dictionary(specifications.compactMap { spec in spec.specifiesInvoiceID.map { ($0, spec.invoiceID) } },
                                             uniquingKeysWith: { a, _ in a })
            var vat: [String: Int64] = [:]
            for row in rows where !row("invoice_id").isEmpty {
                if row("match_status") == "matched" && row("row_kind") == "purchase" {
                    #expect(row("sales_document_id") == specificationOf[row("invoice_id")], "\(row("invoice_id"))")
                }
                if let amount = try Self.micros(row("vat")) { vat[row("invoice_id"), default: 0] += amount }
            }
            #expect(rows.filter { $0("match_status") == "unbacked" }.allSatisfy { !$0("sales_document_id").isEmpty })
            for document in documents {
                #expect(vat[document.invoiceID, default: 0] == document.allPriceLines.reduce(0) { $0 + $1.vatMicros }, "\(document.invoiceID)")
            }
        }
    }

    /// The Dutch variant (`;`, decimal comma, BOM) read by Python and opened by LibreOffice in a
    /// Dutch locale: every amount a number equal to the database's.
    @Test func theDutchVariantReadsAsTheDatabasesNumbers() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let csv = harness.directory.appendingPathComponent("oktober.csv")
            let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-10",
                                        "--delimiter", ";", "--decimal-comma", "--bom", "--out", csv.path])
            #expect(export.status == 0, "\(export.stderr)")
            let expected = try harness.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT cost_micros, sell_micros, margin_micros, vat_micros FROM purchases_export
                    WHERE invoice_date >= '2026-10-01' AND invoice_date < '2026-11-01' ORDER BY \(PurchasesExport.orderBy)
                    """).map { row in (0..<4).map { row[$0] as Int64? } }
            }
            try #require(expected.count > 50)
            #expect(expected.contains { $0[3] != nil })
            let amountColumns = ["cost", "sell", "margin", "vat"].map { PurchasesExport.columns.firstIndex(of: $0)! }

            let python = try Self.readCSV(csv.path, delimiter: ";", encoding: "utf-8-sig")
            #expect(python.first == PurchasesExport.columns)
            #expect(try python.dropFirst().map { row in try amountColumns.map { try Self.micros(row[$0]) } } == expected)

            let converted = try await LibreOffice.convertToCSV(csv, importOptions: LibreOffice.csvImport(separator: ";", locale: LibreOffice.dutch),
                                                         folder: harness.directory)
            let spreadsheet = try Self.readCSV(converted.path)
            #expect(spreadsheet.first == PurchasesExport.columns)
            // A number comes back as `12.5`; text that stayed text (`12,50`) would not parse here.
            let read = spreadsheet.dropFirst().map { row in
                amountColumns.map { row[$0].isEmpty ? nil : (try? Self.micros(row[$0])) ?? -1 } as [Int64?]
            }
            #expect(read == expected)
        }
    }

    /// A customer billed in EUR and USD: currencies never pair, the mismatch is listed, and no
    /// report line adds EUR to USD.
    @Test func aCustomerBilledInTwoCurrenciesIsNeverAddedUp() async throws {
        var second: CopacoSandboxData.SecondCurrency?
        let harness = try await Harness.start { configuration in
            second = configuration.copacoData.billInSecondCurrency(customerNumber: "000417")
        }
        try await stopping(harness) {
            let added = try #require(second)
            let nightly = try await harness.backfillAndReconcile()
            #expect(nightly.outcome == .ok)
            let date = try #require(harness.sandbox.copacoData.invoices.first { $0.invoiceID == added.invoiceID }).date
            let month = String(date.prefix(7))
            let customer = "customer_number = '000417' AND substr(invoice_date, 1, 7) = '\(month)'"

            // Both currencies, each line in its own; the pair across currencies is a mismatch.
            #expect(try harness.scalar("SELECT count(DISTINCT currency) FROM purchases WHERE \(customer)") == 2)
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE currency = 'USD' AND match_status = 'matched'") > 0)
            #expect(try harness.read { try String.fetchAll($0, sql: """
                SELECT match_status || ' ' || currency FROM purchases WHERE match_rule = 'invoice_row_hash:currency_mismatch' ORDER BY 1
                """) } == ["unbacked EUR", "unbilled USD"])
            #expect(try harness.scalar("""
                SELECT count(*) FROM purchases p JOIN staging_lines i ON i.line_id = p.incoming_line_id
                JOIN staging_lines o ON o.line_id = p.outgoing_line_id WHERE i.currency <> o.currency
                """) == 0)

            func sum(_ column: String, _ condition: String) throws -> Int64 {
                try harness.scalar("SELECT coalesce(sum(\(column)), 0) FROM purchases WHERE \(condition)")
            }
            func amount(_ text: String) throws -> Int64 { try Money(parsing: text).micros }

            // report margin, by customer and by SKU: one line per currency, equal to that currency's sums.
            for by in ["customer", "sku"] {
                let report = try await runBillwh(["report", "margin", "--db", harness.databasePath, "--month", month, "--by", by, "--format", "json"])
                #expect(report.status == 0, "\(report.stderr)")
                let lines = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [[String: Any]])
                let key = by == "customer" ? "customer_number" : "sku"
                let mine = lines.filter { by == "sku" || ($0["customer_number"] as? String) == "000417" }
                #expect(Set(mine.compactMap { $0["currency"] as? String }).isSuperset(of: ["EUR", "USD"]))
                for line in mine {
                    let currency = try #require(line["currency"] as? String), value = try #require(line[key] as? String)
                    let scope = "vendor = '\(line["vendor"] as! String)' AND \(key) = '\(value)' AND currency = '\(currency)' AND substr(invoice_date, 1, 7) = '\(month)'"
                    #expect(try amount(line["cost"] as! String) == sum("cost_micros", scope), "\(by) \(value) \(currency)")
                    #expect(try amount(line["sell"] as! String) == sum("sell_micros", scope), "\(by) \(value) \(currency)")
                }
            }

            // report exceptions: per currency, the mismatch listed in both.
            let exceptions = try await runBillwh(["report", "exceptions", "--db", harness.databasePath, "--month", month, "--format", "json"])
            #expect(exceptions.status == 0, "\(exceptions.stderr)")
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(exceptions.stdout.utf8)) as? [[String: Any]])
                .filter { ($0["customer_number"] as? String) == "000417" }
            let mismatches = listed.filter { ($0["exception"] as? String) == "currency_mismatch" }
            #expect(Set(mismatches.compactMap { $0["currency"] as? String }) == ["EUR", "USD"])
            for line in listed {
                let currency = try #require(line["currency"] as? String)
                let kind = line["exception"] as! String
                let condition = switch kind {
                case "currency_mismatch": "match_rule LIKE '%:currency_mismatch'"
                case "unbilled", "unbacked", "quantity_mismatch", "ambiguous": "match_status = '\(kind)' AND document_type IS NOT 'credit_note'"
                case "unbilled_credit", "unbacked_credit": "match_status = '\(kind.dropLast(7))' AND document_type = 'credit_note'"
                default: "1"
                }
                if kind == "negative_margin" || kind == "margin_outlier" { continue }
                let scope = "\(customer) AND currency = '\(currency)' AND \(condition)"
                #expect(try (line["cost"] as? String).map(amount) ?? 0 == sum("cost_micros", scope), "\(kind) \(currency)")
                #expect(try (line["sell"] as? String).map(amount) ?? 0 == sum("sell_micros", scope), "\(kind) \(currency)")
            }

            // status: per vendor, status and currency; the mismatch is flagged.
            let status = try await runBillwh(["status", "--db", harness.databasePath])
            #expect(status.stdout.contains("have their partner in another currency"), "\(status.stdout)")
            let statusLines = status.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                .filter { $0.count == 6 && $0[0] == "copaco" }
            #expect(statusLines.contains { $0[2] == "USD" } && statusLines.contains { $0[2] == "EUR" })
            for line in statusLines {
                let scope = "vendor = 'copaco' AND match_status = '\(line[1])' AND currency = '\(line[2])'"
                #expect(try amount(line[4]) == sum("cost_micros", scope) && amount(line[5]) == sum("sell_micros", scope), "\(line)")
            }

            // The demo summary: status rows and total margin per currency.
            let summary = try harness.read { db in
                try DemoRunner.summarize(db, backfill: nightly, nightly: nightly, closed: [], databasePath: harness.databasePath, csvPath: "-", xlsxPath: "-")
            }
            let margins = try harness.read { db in
                try Row.fetchAll(db, sql: "SELECT currency, sum(margin_micros) AS m FROM purchases GROUP BY currency ORDER BY currency")
                    .map { "\(Money(micros: $0["m"]).formatted()) \($0["currency"] as String)" }
            }
            #expect(margins.count == 2)
            #expect(summary.contains("total margin: \(margins.joined(separator: ", "))"), "\(summary)")

            // publish copper: one figure per currency, neither written.
            try await WarehouseDatabase.openForWriting(path: harness.databasePath).write { db in
                try db.execute(sql: "UPDATE purchases SET crm_company_id = '9001', crm_company_name = 'Two currencies' WHERE customer_number = '000417'")
            }
            let items = try harness.read { try CopperPublisher.figures($0, month: month) }.filter { $0.companyID == 9001 }
            #expect(items.map(\.currency) == ["EUR", "USD"])
            #expect(items.allSatisfy { $0.skipped != nil })
            for item in items {
                #expect(item.billed.micros == (try sum("sell_micros", "\(customer) AND currency = '\(item.currency)'")))
            }
        }
    }
}
