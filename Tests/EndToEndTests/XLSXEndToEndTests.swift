import Export
import Foundation
import GRDB
import Testing
import VendorSandbox
import Warehouse

/// The xlsx export read back by openpyxl (cell types) and opened by headless LibreOffice.
@Suite(.serialized) struct XLSXEndToEndTests {
    /// Customer names that trip up spreadsheets and XML, by Copaco customer number.
    static let names: [String: String] = [
        "10238": "Smit; \"Zn\" & <Co>\nAfd. IT € 5",
        "002931": "東京トレーディング株式会社 — Ελληνικά — Привет",
        "000088": "=1+2 Stichting 't Veen",
        "004512": SpreadsheetEndToEndTests.formula,
        "10577": "  Van der Berg B.V.  ",
        "11034": "@Home Partners; +31 -5",
    ]

    /// An amount no double holds exactly, planted in one row.
    static let overPreciseMicros: Int64 = 12_345_678_901_234_567
    static let overPreciseQuantity = "1234567890.12345678"

    static func harness() async throws -> Harness {
        try await Harness.start { configuration in
            for index in configuration.copacoData.invoices.indices {
                for c in configuration.copacoData.invoices[index].customers.indices {
                    if let name = names[configuration.copacoData.invoices[index].customers[c].customerNumber] {
                        configuration.copacoData.invoices[index].customers[c].companyName = name
                    }
                }
            }
            for index in configuration.copacoData.specifications.indices {
                for c in configuration.copacoData.specifications[index].customers.indices {
                    if let name = names[configuration.copacoData.specifications[index].customers[c].customerNumber] {
                        configuration.copacoData.specifications[index].customers[c].companyName = name
                    }
                }
            }
        }
    }

    /// Every cell of the first sheet as [type, value]: "s" text, "n" number (as an exact
    /// decimal), "d" a date cell (ISO day), "f" a formula, "" empty; plus what the sheet XML holds.
    static let openpyxlDump = """
        import decimal, json, sys, zipfile
        import openpyxl
        path = sys.argv[1]
        xml = zipfile.ZipFile(path).read('xl/worksheets/sheet1.xml').decode('utf-8')
        ws = openpyxl.load_workbook(path).active
        rows = []
        for row in ws.iter_rows():
            out = []
            for c in row:
                v = c.value
                if v is None: out.append(['', None])
                elif c.is_date: out.append(['d', v.date().isoformat()])
                elif c.data_type == 'n': out.append(['n', format(decimal.Decimal(repr(v)), 'f')])
                else: out.append([c.data_type, v])
            rows.append(out)
        print(json.dumps({'rows': rows, 'formulaTags': xml.count('<f>') + xml.count('<f '), 'frozen': ws.freeze_panes,
                          'widths': sum(1 for d in ws.column_dimensions.values() if d.width)}))
        """

    /// `12.50` and `12.5` alike: no trailing zeros, no trailing point.
    static func canonical(_ decimal: String) -> String {
        guard decimal.contains(".") else { return decimal == "-0" ? "0" : decimal }
        var text = decimal
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    @Test func cellsAreTypedAndTextComesBackByteForByte() async throws {
        let harness = try await Self.harness()
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            // Plant an amount and a quantity that no double holds.
            let planted = try harness.scalar("SELECT min(purchase_id) FROM purchases WHERE invoice_date LIKE '2026-10-%' AND cost_micros IS NOT NULL AND quantity_billed IS NOT NULL")
            let queue = try DatabaseQueue(path: harness.databasePath)
            try await queue.write { db in
                try db.execute(sql: "UPDATE purchases SET cost_micros = ?, quantity_billed = ? WHERE purchase_id = ?",
                               arguments: [Self.overPreciseMicros, Self.overPreciseQuantity, planted])
            }
            try queue.close()

            let xlsx = harness.directory.appendingPathComponent("october.xlsx")
            let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-10", "--format", "xlsx", "--out", xlsx.path])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stderr.contains("2 amounts or quantities written as text cells"), "\(export.stderr)")
            // Without --format, the file's extension (any case) says which: a workbook, a zip.
            let inferred = harness.directory.appendingPathComponent("inferred.XLSX")
            let byName = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--month", "2026-10", "--out", inferred.path])
            #expect(byName.status == 0 && byName.stderr.contains("written as text cells"), "\(byName.stderr)")
            #expect(try Data(contentsOf: inferred).prefix(2) == Data("PK".utf8))

            let expected: [Row] = try harness.read { db in
                try Row.fetchAll(db, sql: PurchasesExport.sql(selecting: true), arguments: ["2026-10-01", "2026-11-01"])
            }
            try #require(expected.count > 20)
            for number in Self.names.keys {
                #expect(expected.contains { $0["customer_number"] == number }, "no row of customer \(number) in October")
            }

            // Cell types, read by openpyxl.
            let dumped = try python(Self.openpyxlDump, arguments: [xlsx.path])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(dumped.utf8)) as? [String: Any])
            #expect(json["formulaTags"] as? Int == 0)
            #expect(json["frozen"] as? String == "A2")
            #expect(json["widths"] as? Int == PurchasesExport.columns.count)
            let rows = try #require(json["rows"] as? [[[Any]]])
            let cells: [[(type: String, value: String?)]] = rows.map { row in row.map { ($0[0] as? String ?? "?", $0[1] as? String) } }
            #expect(cells.first?.map(\.type) == Array(repeating: "s", count: PurchasesExport.columns.count))
            #expect(cells.first?.map(\.value) == PurchasesExport.columns)
            try #require(cells.count == expected.count + 1)

            var problems: [String] = []
            for (row, db) in zip(cells.dropFirst(), expected) {
                let isPlanted = (db["purchase_id"] as Int64) == planted
                for (index, column) in PurchasesExport.columns.enumerated() {
                    let cell: (type: String, value: String?) = row.count > index ? row[index] : ("", nil)
                    let want: (String, String?)
                    switch PurchasesXLSXKind.of(column) {
                    case .amount:
                        if let micros = db[index] as Int64? {
                            want = isPlanted && column == "cost"
                                ? ("s", Money(micros: micros).formatted()) : ("n", Self.canonical(Money(micros: micros).formatted(minimumDecimals: 0)))
                        } else {
                            want = ("", nil)
                        }
                    case .decimal:
                        if let text = db[index] as String? {
                            want = isPlanted && column == "quantity_billed" ? ("s", text) : ("n", Self.canonical(text))
                        } else {
                            want = ("", nil)
                        }
                    case .date:
                        want = (db[index] as String?).map { ("d", $0) } ?? ("", nil)
                    case .text:
                        want = (db[index] as String?).map { ("s", $0) } ?? ("", nil)
                    }
                    let got = (cell.type, cell.type == "n" ? cell.value.map(Self.canonical) : cell.value)
                    if got.0 != want.0 || got.1 != want.1 {
                        problems.append("\(column) of purchase \(db["purchase_id"] as Int64): want \(want), got \(cell)")
                    }
                }
            }
            #expect(problems.isEmpty, "\(problems.count) cells differ: \(problems.prefix(8))")

            // Opened by LibreOffice and saved as CSV: the same identifiers, names and amounts.
            let csv = try await LibreOffice.convertToCSV(xlsx, importOptions: nil, folder: harness.directory)
            let read = try AccountingExportTests.readCSV(csv.path)
            #expect(read.first == PurchasesExport.columns)
            try #require(read.count == expected.count + 1)
            let number = PurchasesExport.columns.firstIndex(of: "customer_number")!
            let name = PurchasesExport.columns.firstIndex(of: "customer_name")!
            let cost = PurchasesExport.columns.firstIndex(of: "cost")!
            let date = PurchasesExport.columns.firstIndex(of: "invoice_date")!
            var differing: [String] = []
            for (row, db) in zip(read.dropFirst(), expected) {
                if row[number] != (db["customer_number"] as String? ?? "") { differing.append("customer_number \(row[number])") }
                if row[name] != (db["customer_name"] as String? ?? "") { differing.append("customer_name \(row[name])") }
                if row[date] != (db["invoice_date"] as String? ?? "") { differing.append("invoice_date \(row[date])") }
                if let micros = db["cost_micros"] as Int64? {
                    let same = (db["purchase_id"] as Int64) == planted
                        ? row[cost] == Money(micros: micros).formatted()
                        : (try? Money(parsing: row[cost]))?.micros == micros
                    if !same { differing.append("cost \(Money(micros: micros)) read as \(row[cost])") }
                }
            }
            #expect(differing.isEmpty, "\(differing.prefix(8))")
            #expect(read.dropFirst().contains { $0[name] == SpreadsheetEndToEndTests.formula })

            // No formula cell once LibreOffice has it either.
            let sheet = try await LibreOffice.convert(xlsx, importOptions: nil, to: "fods", folder: harness.directory)
            #expect(try String(contentsOf: sheet, encoding: .utf8).components(separatedBy: "table:formula=").count == 1)
        }
    }

    /// More rows than a sheet holds: refused before anything is written, naming --month and CSV.
    @Test func aSelectionLargerThanASheetFailsBeforeWriting() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("w.sqlite").path
        #expect(try await runBillwh(["migrate", "--db", database]).status == 0)
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in
            try db.execute(sql: """
                WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1048576)
                INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, currency, match_status, cost_micros)
                SELECT 'copaco', 'INV-' || n, '2026-10-01', printf('%06d', n % 1000), 'EUR', 'matched', n FROM seq
                """)
        }
        try queue.close()
        let out = directory.appendingPathComponent("all.xlsx")
        let result = try await runBillwh(["export", "purchases", "--db", database, "--format", "xlsx", "--out", out.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("1048576 purchases"), "\(result.stderr)")
        #expect(result.stderr.contains("--month") && result.stderr.contains("CSV"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }.isEmpty)
        // A month of it fits.
        let month = try await runBillwh(["export", "purchases", "--db", database, "--format", "xlsx", "--from", "2026-09-01", "--to", "2026-09-30", "--out", out.path])
        #expect(month.status == 0, "\(month.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    /// `billwh demo` writes the last complete month as a workbook and says where.
    @Test func theDemoWritesTheLastMonthAsXLSX() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try await runBillwh(["demo", "--dir", directory.path])
        #expect(demo.status == 0, "\(demo.stderr)")
        let month = String(CalendarDate(year: CalendarDate.today().year, month: CalendarDate.today().month, day: 1)!
            .adding(days: -1).description.prefix(7))
        let xlsx = directory.appendingPathComponent("purchases-\(month).xlsx")
        #expect(demo.stdout.contains(xlsx.path), "\(demo.stdout)")
        let rows = try python("""
            import sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).active
            print(ws.max_row, ws['A1'].value, ws['D2'].data_type)
            """, arguments: [xlsx.path])
        let fields = rows.split(separator: " ")
        #expect(fields.count == 3 && (Int(fields[0]) ?? 0) > 10 && fields[1] == "vendor", "\(rows)")
    }

    @Test func xlsxOptionsAreChecked() async throws {
        for (arguments, message) in [
            (["--format", "xlsx"], "--out"),
            (["--format", "xlsx", "--out", "-"], "--out"),
            (["--format", "xlsx", "--bom", "--out", "x.xlsx"], "--bom"),
            (["--format", "xlsx", "--decimal-comma", "--out", "x.xlsx"], "--decimal-comma"),
            (["--format", "xlsx", "--delimiter", ";", "--out", "x.xlsx"], "--delimiter"),
        ] {
            let result = try await runBillwh(["export", "purchases", "--db", "/nonexistent/w.sqlite"] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let help = try await runBillwh(["export", "--help"])
        #expect(help.stdout.contains("byte-exact"), "\(help.stdout)")
        #expect(help.stdout.contains("xlsx"), "\(help.stdout)")
    }
}

/// The test's own copy of which column is which kind, so that a change in the export shows.
enum PurchasesXLSXKind {
    case text, date, decimal, amount

    static func of(_ column: String) -> PurchasesXLSXKind {
        switch column {
        case "invoice_date", "period_start", "period_end": .date
        case "quantity_bought", "quantity_billed": .decimal
        case "cost", "sell", "margin", "vat": .amount
        default: .text
        }
    }
}
