@testable import Export
import Foundation
import GRDB
import Testing
import Warehouse

/// The pieces of the xlsx writer: which decimals a double holds, XML text, and a small export
/// read back with openpyxl.
@Suite struct XLSXWriterTests {
    func fits(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { SpreadsheetNumber.fitsDouble($0) }
    }

    @Test func onlyDecimalsADoubleHoldsAreNumbers() {
        for text in ["0", "12.5", "45.375", "-0.000001", "123456789.123456", "999999999999999", "9007199254740992",
                     "0.1", "1234567890123.45", "100000000000000000000"] {
            #expect(fits(text), "\(text)")
        }
        for text in ["12345678901.234567", "9007199254740993", "0.12345678901234567", "1234567890.12345678",
                     "1" + String(repeating: "0", count: 400), "0." + String(repeating: "0", count: 320) + "1"] {
            #expect(!fits(text), "\(text)")
        }
        #expect(SpreadsheetNumber.fitsDouble(micros: 45_375_000))
        #expect(SpreadsheetNumber.fitsDouble(micros: Int64(999_999_999) * 1_000_000 + 999_999))
        #expect(!SpreadsheetNumber.fitsDouble(micros: 12_345_678_901_234_567))
        #expect(SpreadsheetNumber.fitsDouble(micros: 12_345_678_901_000_000))
        for text in ["1e5", "12,5", "", "-", "5.", "1.2.3", "0x10", " 1"] {
            #expect(!Array(text.utf8).withUnsafeBufferPointer { SpreadsheetNumber.isPlainDecimal($0) }, "\(text)")
        }
    }

    func xml(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { XMLText.append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func textIsEscapedForXML() {
        #expect(xml(Array("a & <b> \"c\" 'd' €".utf8)) == "a &amp; &lt;b&gt; \"c\" 'd' €")
        #expect(xml(Array("one\r\ntwo\tthree".utf8)) == "one&#13;\ntwo\tthree")
        #expect(xml([0x41, 0x01, 0x1F, 0x42]) == "A_x0001__x001F_B")
        #expect(xml(Array("_x0041_ and _x_".utf8)) == "_x005F_x0041_ and _x_")
        #expect(xml([0xEF, 0xBF, 0xBF]) == "_xFFFF_")
        #expect(xml([0x41, 0xFF, 0xC3]) == "A\u{FFFD}\u{FFFD}")
        #expect(xml(Array("東京 Ελληνικά 😀".utf8)) == "東京 Ελληνικά 😀")
    }

    /// A cell holds 32,767 UTF-16 code units: a longer text is cut at a character's boundary.
    @Test func aTextLongerThanACellHoldsIsCutWhole() {
        func end(_ text: String) -> Int { Array(text.utf8).withUnsafeBufferPointer { XLSXSheetWriter.cellEnd($0) } }
        let limit = XLSXSheetWriter.cellCharacters
        #expect(end(String(repeating: "a", count: limit)) == limit)
        #expect(end(String(repeating: "a", count: limit + 1)) == limit)
        // Two-byte characters: 32,767 of them, 65,534 bytes.
        #expect(end(String(repeating: "é", count: limit + 5)) == limit * 2)
        // An emoji is two UTF-16 units: one that would straddle the limit is left out whole.
        let emoji = String(repeating: "a", count: limit - 1) + "😀" + "b"
        #expect(end(emoji) == limit - 1)
        #expect(end(String(repeating: "😀", count: 20_000)) == (limit / 2) * 4)
    }

    @Test func datesBecomeSerialNumbers() {
        func serial(_ text: String) -> Int? { Array(text.utf8).withUnsafeBufferPointer { XLSXSheetWriter.serial($0) } }
        #expect(serial("1970-01-01") == 25_569)
        #expect(serial("2026-10-05") == 46_300)
        #expect(serial("1900-03-01") == 61)
        #expect(serial("1900-02-28") == nil)
        #expect(serial("2026-02-30") == nil)
        #expect(serial("2026-10-05T00:00") == nil)
        #expect(serial("2026-1-05") == nil)
    }

    @Test func awkwardRowsReadBackWithTheirTypes() throws {
        let folder = try TemporaryFolder()
        var rows = Fixtures.awkward
        rows[0].customerName = "\u{01}ctl _x0041_ \u{FFFF}"
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        let out = folder.file("x.xlsx")
        let summary = try exportPurchases(queue, options: ExportOptions(format: .xlsx), to: .file(out))
        #expect(summary.rows == 4)
        #expect(summary.textNumbers == 0)
        #expect(summary.bytes > 0)
        // Neither the temporary workbook nor the sheet's scratch file is left behind.
        #expect(try folder.entries().filter { $0.hasPrefix(".") }.isEmpty)
        // The same rows make the same bytes: the zip's entries carry a fixed date, not the clock's.
        let again = folder.file("again.xlsx")
        _ = try exportPurchases(queue, options: ExportOptions(format: .xlsx), to: .file(again))
        #expect(try Fixtures.read(again) == Fixtures.read(out))
        let dates = String(decoding: try Fixtures.python("""
            import sys, zipfile
            print(sorted({i.date_time for i in zipfile.ZipFile(sys.argv[1]).infolist()}))
            """, [out]), as: UTF8.self)
        #expect(dates.trimmingCharacters(in: .whitespacesAndNewlines) == "[(1980, 1, 1, 0, 0, 0)]", "\(dates)")
        #expect(try folder.entries().contains("x.xlsx"))
        let data = try Fixtures.python("""
            import json, sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).active
            print(json.dumps([[c.data_type if not c.is_date else 'd' for c in row] for row in ws.iter_rows()]))
            print(json.dumps([[c.value if isinstance(c.value, str) else None for c in row] for row in ws.iter_rows()]))
            """, [out])
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let types = try JSONDecoder().decode([[String]].self, from: Data(lines[0].utf8))
        let texts = try JSONDecoder().decode([[String?]].self, from: Data(lines[1].utf8))
        #expect(types.count == 5)
        // Export order C, B, A, D; D's sell 123456.789012 is a number.
        let a = types[3]
        #expect(a[1] == "s" && a[2] == "d" && a[3] == "s" && a[12] == "n" && a[14] == "n" && a[15] == "n" && a[22] == "n")
        #expect(texts[3][3] == "000417")
        #expect(texts[3][4] == "\u{01}ctl _x0041_ \u{FFFF}" || texts[3][4] == "_x0001_ctl _x005F_x0041_ _xFFFF_",
                "openpyxl read \(String(describing: texts[3][4]))")
        #expect(texts[3][7] == "Line one\nline two")
        #expect(texts[2][7] == " padded ")
        #expect(types[2][14] == "n" && types[2][0] == "s")
    }

    /// A quantity kept as sent with an exponent (a legal JSON number) is a number cell of its
    /// exact value; one no double holds is text, and counted.
    @Test func quantitiesWithAnExponentAreNumbers() throws {
        let folder = try TemporaryFolder()
        var rows = Array(Fixtures.awkward.prefix(2))
        (rows[0].quantityBought, rows[0].quantityBilled) = ("1E1", "2.5e-1")
        (rows[1].quantityBought, rows[1].quantityBilled) = ("1E400", "12")
        let (_, queue) = try Fixtures.warehouse(in: folder, rows: rows)
        let out = folder.file("q.xlsx")
        let summary = try exportPurchases(queue, options: ExportOptions(format: .xlsx), to: .file(out))
        #expect(summary.textNumbers == 1)
        let data = try Fixtures.python("""
            import json, sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).active
            print(json.dumps(sorted([[str(c.value), c.data_type] for row in ws.iter_rows(min_row=2) for c in row[12:14]])))
            """, [out])
        let cells = try JSONDecoder().decode([[String]].self, from: data)
        #expect(cells.contains(["10", "n"]) && cells.contains(["0.25", "n"]) && cells.contains(["12", "n"]), "\(cells)")
        #expect(cells.contains(["1E400", "s"]), "\(cells)")
    }

    @Test func xlsxNeedsAFile() throws {
        let folder = try TemporaryFolder()
        let (_, queue) = try Fixtures.warehouse(in: folder)
        #expect(throws: ExportError.self) { try exportPurchases(queue, options: ExportOptions(format: .xlsx), to: .standardOutput) }
        #expect(throws: ExportError.self) { try exportPurchases(queue, options: ExportOptions(format: .xlsx, bom: true), to: .file(folder.file("y.xlsx"))) }
    }
}
