import Export
import Foundation
import GRDB
import Testing
import Warehouse

@Suite struct PurchasesExportTests {
    static let header = "vendor,invoice_id,invoice_date,customer_number,customer_name,subscription_id,sku,description,charge_type,period_start,period_end,currency,quantity_bought,quantity_billed,cost,sell,margin,match_status,row_kind,adjusts_month,document_type,sales_document_id,vat"

    @Test func smallExportHasExactlyTheseBytes() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("all.csv")
        let summary = try exportPurchases(queue, to: .file(out))

        let expected = [
            Self.header,
            "twotcloud,TC-9,2026-09-30,000001,Acme Ltd,sub-9,SKU-9,Credit note,credit,2026-09-01,2026-09-30,EUR,-1,-1,-3.00,-3.60,-0.60,matched,purchase,,credit_note,TC-S9,-0.63",
            "copaco,,2026-10-05,000418,Café €,,SKU-2,\" padded \",,2026-10-01,2026-10-31,EUR,,3,,1.00,,unbacked,purchase,,invoice,CS-2,",
            "copaco,INV-1,2026-10-05,000417,\"Bakkerij \"\"De Ëik\"\", B.V.\",sub-1,SKU-1,\"Line one\nline two\",,2026-10-01,2026-10-31,EUR,12.3750,12,12.50,15.000001,2.500001,matched,purchase,,invoice,CS-1,2.6250",
            "copaco,INV-2,2026-11-01,000417,Tiny,sub-1,SKU-1,Tiny,usage,2026-11-01,2026-11-30,EUR,0.5,0.5,0.000001,123456.789012,123456.789011,matched,adjustment,2026-10,invoice,,",
        ].map { $0 + "\r\n" }.joined()
        let bytes = try Fixtures.read(out)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(bytes == Array(expected.utf8))
        #expect(summary.rows == 4)
        #expect(summary.totals == [CurrencyTotal(currency: "EUR", costMicros: 12_500_000 - 3_000_000 + 1,
                                                 sellMicros: 15_000_001 + 1_000_000 - 3_600_000 + 123_456_789_012,
                                                 marginMicros: 2_500_001 - 600_000 + 123_456_789_011)])
        #expect(summary.bytes == bytes.count)
        #expect(try folder.entries() == ["all.csv", "warehouse.sqlite", "warehouse.sqlite-shm", "warehouse.sqlite-wal"].filter {
            FileManager.default.fileExists(atPath: folder.file($0))
        })
    }

    /// Rows that tie on the documented keys come out in the order of their other columns, not
    /// in the order they were written: the same documents give the same bytes in any warehouse.
    @Test func equalSortKeysComeOutInAnOrderTheRowsDecide() throws {
        var exports: [Data] = []
        for order in [[0, 1, 2, 3], [3, 2, 1, 0]] {
            let folder = try TemporaryFolder()
            var rows = order.map { index in
                var row = PurchaseRow()
                row.salesDocument = index < 2 ? "SI-A" : "SI-B"
                row.description = "line \(index)"
                return row
            }
            rows.append(rows.first { $0.description == "line 0" }!)
            let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
            let out = folder.file("x.csv")
            _ = try exportPurchases(queue, to: .file(out))
            let parsed = try Fixtures.parseCSV(out, delimiter: ",")
            #expect(parsed.dropFirst().map { "\($0[21]) \($0[7])" }.count == 5)
            #expect(Set(parsed.dropFirst().map { "\($0[21]) \($0[7])" }).sorted() == ["SI-A line 0", "SI-A line 1", "SI-B line 2", "SI-B line 3"])
            exports.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(exports[0] == exports[1])
        let first = String(decoding: exports[0], as: UTF8.self).split(separator: "\r\n").dropFirst().map { $0.split(separator: ",")[7] }
        #expect(first.first == "line 0" && first.last == "line 3")
    }

    /// Python's csv module reads the file back to the DB's exact values.
    @Test(arguments: [
        ExportOptions(),
        ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true, bom: true),
        ExportOptions(delimiter: UInt8(ascii: ","), decimalComma: true),
        ExportOptions(delimiter: UInt8(ascii: "\t")),
    ])
    func pythonReadsBackTheExactValues(options: ExportOptions) throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("export.csv")
        _ = try exportPurchases(queue, options: options, to: .file(out))

        let bytes = try Fixtures.read(out)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF] || !options.bom)
        if !options.bom { #expect(bytes.first == UInt8(ascii: "v")) }
        let parsed = try Fixtures.parseCSV(out, delimiter: String(UnicodeScalar(options.delimiter)),
                                           encoding: options.bom ? "utf-8-sig" : "utf-8")
        #expect(parsed.first == PurchasesExport.columns)
        let rows = Array(parsed.dropFirst())
        try #require(rows.count == Fixtures.exportOrder.count)
        for (line, index) in zip(rows, Fixtures.exportOrder) {
            let source = Fixtures.awkward[index]
            try #require(line.count == 23)
            for (column, value) in source.texts.enumerated() {
                if column == 12 || column == 13, let value {
                    // Quantities: the same decimal (three decimals get a fourth).
                    let read = line[column].replacingOccurrences(of: ",", with: ".")
                    #expect(try ExactDecimal(parsing: read) == ExactDecimal(parsing: value), "column \(PurchasesExport.columns[column])")
                    #expect(line[column].contains(",") == (options.decimalComma && value.contains(".")))
                    continue
                }
                #expect(line[column] == value ?? "", "column \(PurchasesExport.columns[column])")
            }
            for (offset, amount) in source.amounts.enumerated() {
                let text = line[14 + offset]
                if let amount {
                    #expect(try Fixtures.micros(text, decimalComma: options.decimalComma) == amount)
                    let decimals = text.split(whereSeparator: { $0 == "." || $0 == "," }).last!
                    #expect(decimals.count >= 2 && !text.contains("e") && !text.contains("E"))
                } else {
                    #expect(text == "")
                }
            }
            #expect(line[17] == source.status)
            #expect(Array(line[18...21]) == source.rowFacts)
            if let vat = source.vat {
                #expect(try Fixtures.micros(line[22], decimalComma: options.decimalComma) == vat)
            } else {
                #expect(line[22] == "")
            }
        }
    }

    @Test func semicolonDecimalCommaBytes() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: [Fixtures.awkward[0]])
        let out = folder.file("nl.csv")
        _ = try exportPurchases(queue, options: ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true, bom: true), to: .file(out))
        let text = String(decoding: try Fixtures.read(out).dropFirst(3), as: UTF8.self)
        #expect(text.hasSuffix(";EUR;12,3750;12;12,50;15,000001;2,500001;matched;purchase;;invoice;CS-1;2,6250\r\n"))
        #expect(text.contains(";\"Bakkerij \"\"De Ëik\"\", B.V.\";"))
        #expect(text.hasPrefix(Self.header.replacingOccurrences(of: ",", with: ";") + "\r\n"))
    }

    @Test func commaDelimiterWithDecimalCommaQuotesAmountsAndQuantities() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: [Fixtures.awkward[0]])
        let out = folder.file("x.csv")
        _ = try exportPurchases(queue, options: ExportOptions(decimalComma: true), to: .file(out))
        let text = String(decoding: try Fixtures.read(out), as: UTF8.self)
        #expect(text.hasSuffix(",EUR,\"12,3750\",12,\"12,50\",\"15,000001\",\"2,500001\",matched,purchase,,invoice,CS-1,\"2,6250\"\r\n"))
    }

    /// A quantity kept as sent with an exponent (a legal JSON number) is exported in its exact
    /// plain form, as the xlsx writes it: `1E1` is not a quantity an accounting import reads.
    @Test func quantitiesWithAnExponentAreWrittenPlain() throws {
        let folder = try TemporaryFolder()
        var row = Fixtures.awkward[0]
        (row.quantityBought, row.quantityBilled) = ("1E1", "2.5e-1")
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: [row])
        let csv = folder.file("q.csv"), nl = folder.file("nl.csv"), jsonl = folder.file("q.jsonl")
        _ = try exportPurchases(queue, options: ExportOptions(), to: .file(csv))
        _ = try exportPurchases(queue, options: ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true), to: .file(nl))
        _ = try exportPurchases(queue, options: ExportOptions(format: .jsonl), to: .file(jsonl))
        #expect(String(decoding: try Fixtures.read(csv), as: UTF8.self).contains(",EUR,10,0.25,12.50,"))
        #expect(String(decoding: try Fixtures.read(nl), as: UTF8.self).contains(";EUR;10;0,25;12,50;"))
        #expect(String(decoding: try Fixtures.read(jsonl), as: UTF8.self).contains("\"quantity_bought\":\"10\",\"quantity_billed\":\"0.25\","))
    }

    @Test func monthSelection() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("oct.csv")
        let selection = try #require(try DateSelection.parse(month: "2026-10", from: nil, to: nil))
        let summary = try exportPurchases(queue, options: ExportOptions(selection: selection), to: .file(out))
        #expect(summary.rows == 2)
        let parsed = try Fixtures.parseCSV(out, delimiter: ",")
        #expect(parsed.dropFirst().map { $0[2] } == ["2026-10-05", "2026-10-05"])
        #expect(parsed.dropFirst().map { $0[3] } == ["000418", "000417"])
    }

    @Test func monthBoundariesAreInclusive() throws {
        let folder = try TemporaryFolder()
        let dates = ["2026-09-30", "2026-10-01", "2026-10-31", "2026-11-01", "2026-02-28", "2026-03-01"]
        let rows = dates.map { PurchaseRow(invoiceDate: $0) }
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        func exported(_ selection: DateSelection) throws -> [String] {
            let out = folder.file("sel.csv")
            _ = try exportPurchases(queue, options: ExportOptions(selection: selection), to: .file(out))
            return try Fixtures.parseCSV(out, delimiter: ",").dropFirst().map { $0[2] }
        }
        #expect(try exported(.month(year: 2026, month: 10)) == ["2026-10-01", "2026-10-31"])
        #expect(try exported(.month(year: 2026, month: 2)) == ["2026-02-28"])
        let from = try #require(CalendarDate(parsing: "2026-09-30")), to = try #require(CalendarDate(parsing: "2026-10-31"))
        #expect(try exported(.range(from: from, to: to)) == ["2026-09-30", "2026-10-01", "2026-10-31"])
        #expect(try exported(.range(from: from, to: from)) == ["2026-09-30"])
    }

    /// `--by period` selects on period_start; the default on invoice_date.
    @Test func selectionByPeriod() throws {
        let folder = try TemporaryFolder()
        let rows = [PurchaseRow(invoiceDate: "2026-11-03", description: "october usage, invoiced in november"),
                    PurchaseRow(invoiceDate: "2026-10-20", description: "october licence", periodStart: "2026-10-01"),
                    PurchaseRow(invoiceDate: "2026-10-25", description: "november licence", periodStart: "2026-11-01")]
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        func exported(_ by: DateBasis) throws -> [String] {
            let out = folder.file("by.csv")
            _ = try exportPurchases(queue, options: ExportOptions(selection: .month(year: 2026, month: 10), by: by), to: .file(out))
            return try Fixtures.parseCSV(out, delimiter: ",").dropFirst().map { $0[7] }
        }
        #expect(try exported(.period) == ["october licence", "october usage, invoiced in november"])
        #expect(try exported(.invoiceDate) == ["october licence", "november licence"])
    }

    /// Totals are per currency: a EUR and a USD row are never added.
    @Test func totalsArePerCurrency() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: [
            PurchaseRow(currency: "USD", cost: 5_000_000, sell: 6_000_000, margin: 1_000_000),
            PurchaseRow(cost: 1_000_000, sell: 1_200_000, margin: 200_000),
            PurchaseRow(currency: "USD", cost: 1, sell: 2, margin: 1),
        ])
        let summary = try exportPurchases(queue, to: .file(folder.file("x.csv")))
        #expect(summary.totals == [CurrencyTotal(currency: "EUR", costMicros: 1_000_000, sellMicros: 1_200_000, marginMicros: 200_000),
                                   CurrencyTotal(currency: "USD", costMicros: 5_000_001, sellMicros: 6_000_002, marginMicros: 1_000_001)])
    }

    @Test func fromToSelectionParsing() throws {
        let selection = try DateSelection.parse(month: nil, from: "2026-09-01", to: "2026-10-31")
        #expect(selection == .range(from: CalendarDate(year: 2026, month: 9, day: 1)!, to: CalendarDate(year: 2026, month: 10, day: 31)!))
        #expect(try DateSelection.parse(month: nil, from: nil, to: nil) == nil)
        for (month, from, to) in [("2026-13", nil, nil), ("2026-1", nil, nil), ("2026-10", "2026-10-01", nil),
                                  (nil, "2026-10-01", nil), (nil, "2026-10-31", "2026-10-01"), (nil, "2026-10-1", "2026-10-31")] as [(String?, String?, String?)] {
            #expect(throws: ExportError.self) { try DateSelection.parse(month: month, from: from, to: to) }
            do { _ = try DateSelection.parse(month: month, from: from, to: to) } catch { #expect(error.isUsageError) }
        }
        #expect(try ExportOptions.parseDelimiter("tab") == 9)
        #expect(try ExportOptions.parseDelimiter(";") == UInt8(ascii: ";"))
        #expect(throws: ExportError.self) { try ExportOptions.parseDelimiter("|") }
    }

    @Test func jsonlHasTheSameKeysInOrderAndExactAmountStrings() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("all.jsonl")
        _ = try exportPurchases(queue, options: ExportOptions(format: .jsonl), to: .file(out))
        let text = String(decoding: try Fixtures.read(out), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5 && lines.last == "")
        #expect(lines[1].hasPrefix("{\"vendor\":\"copaco\",\"invoice_id\":null,\"invoice_date\":\"2026-10-05\",\"customer_number\":\"000418\",\"customer_name\":\"Café €\""))
        #expect(lines[1].hasSuffix("\"quantity_bought\":null,\"quantity_billed\":\"3\",\"cost\":null,\"sell\":\"1.00\",\"margin\":null,\"match_status\":\"unbacked\",\"row_kind\":\"purchase\",\"adjusts_month\":null,\"document_type\":\"invoice\",\"sales_document_id\":\"CS-2\",\"vat\":null}"))
        #expect(lines[2].contains("\"customer_name\":\"Bakkerij \\\"De Ëik\\\", B.V.\""))
        #expect(lines[2].contains("\"description\":\"Line one\\nline two\""))
        // Python: keys in order, values equal to the DB's.
        let script = """
            import json, sys
            out = []
            for line in open(sys.argv[1], encoding='utf-8'):
                obj = json.loads(line)
                out.append([list(obj.keys()), [None if v is None else str(v) for v in obj.values()]])
            json.dump(out, sys.stdout)
            """
        let parsed = try JSONDecoder().decode([[[String?]]].self, from: Fixtures.python(script, [out]))
        try #require(parsed.count == 4)
        for (entry, index) in zip(parsed, Fixtures.exportOrder) {
            #expect(entry[0] == PurchasesExport.columns.map { Optional($0) })
            let source = Fixtures.awkward[index]
            #expect(Array(entry[1][0..<14]) == source.texts)
            for (offset, amount) in source.amounts.enumerated() {
                #expect(try entry[1][14 + offset].map { try Fixtures.micros($0) } == amount)
            }
            #expect(Array(entry[1][18...21]) == source.rowFacts.map { $0.isEmpty ? nil : $0 })
            #expect(try entry[1][22].map { try Fixtures.micros($0) } == source.vat)
        }
    }

    @Test func jsonlRefusesCSVOnlyOptions() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("x.jsonl")
        #expect(throws: ExportError.self) {
            try exportPurchases(queue, options: ExportOptions(format: .jsonl, decimalComma: true), to: .file(out))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingFolderIsAClearErrorAndLeavesNothing() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let before = try folder.entries()
        let out = folder.file("missing/oct.csv")
        do {
            _ = try exportPurchases(queue, to: .file(out))
            Issue.record("export into a missing folder succeeded")
        } catch {
            #expect("\(error)".contains(out))
            #expect(!error.isUsageError)
        }
        #expect(try folder.entries() == before)

        // A file where the folder should be.
        let notAFolder = folder.file("plain")
        _ = FileManager.default.createFile(atPath: notAFolder, contents: Data("x".utf8))
        #expect(throws: ExportError.self) { try exportPurchases(queue, to: .file(notAFolder + "/oct.csv")) }
        // A folder where the file should be.
        #expect(throws: ExportError.self) { try exportPurchases(queue, to: .file(folder.path)) }
    }

    /// Root writes through permissions, so this one runs for other users only; the next one
    /// fails for everybody.
    @Test(.enabled(if: geteuid() != 0, "root writes through folder permissions"))
    func unwritableFolderIsAClearError() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let locked = folder.file("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        chmod(locked, 0o500)
        defer { chmod(locked, 0o700) }
        #expect { try exportPurchases(queue, to: .file(locked + "/oct.csv")) } throws: { "\($0)".contains(locked + "/oct.csv") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
    }

    /// A folder no one can create files in, root included (procfs).
    @Test func aFolderNoOneCanWriteToIsAClearError() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let target = "/proc/billwh-export-test/oct.csv"
        #expect { try exportPurchases(queue, to: .file(target)) } throws: { "\($0)".contains(target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func failureHalfwayLeavesTheExistingFileAndNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        var rows = (0..<5000).map { PurchaseRow(description: "row \($0) " + String(repeating: "x", count: 40)) }
        rows.append(PurchaseRow(invoiceDate: "2026-12-31"))
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        // The last row in export order holds a REAL amount: not exact, so the export must stop there,
        // after more than 64 KiB were already written to the temporary file.
        try queue.write { db in try db.execute(sql: "UPDATE purchases SET cost_micros = 1.5 WHERE invoice_date = '2026-12-31'") }
        let out = folder.file("oct.csv")
        let previous = Data("previous export\r\n".utf8)
        _ = FileManager.default.createFile(atPath: out, contents: previous)
        let before = try folder.entries()
        #expect { try exportPurchases(queue, to: .file(out)) } throws: { error in
            "\(error)".contains("cost_micros") && "\(error)".contains("purchase_id 5001")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == previous)
        #expect(try folder.entries() == before)
    }

    @Test func replacingAFileKeepsItsPermissions() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        let out = folder.file("oct.csv")
        _ = FileManager.default.createFile(atPath: out, contents: Data("old".utf8), attributes: [.posixPermissions: 0o640])
        _ = try exportPurchases(queue, to: .file(out))
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(try Fixtures.read(out).count > 100)
    }

    @Test func emptyWarehouseGivesTheHeaderOnly() throws {
        let folder = try TemporaryFolder()
        let (path, _) = try Fixtures.warehouse(in: folder, rows: [])
        let out = folder.file("empty.csv")
        let summary = try exportPurchases(databasePath: path, to: .file(out))
        #expect(summary.rows == 0)
        #expect(try Fixtures.read(out) == Array((Self.header + "\r\n").utf8))
    }
}
