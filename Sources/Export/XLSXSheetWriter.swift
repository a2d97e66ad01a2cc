#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Warehouse

/// Streams the XML of one worksheet (SpreadsheetML, ECMA-376) row by row into a `ByteWriter`.
///
/// Written by hand because there is no maintained streaming xlsx writer for Swift: the ones
/// there are build the whole sheet in memory, which a million rows do not fit, or are
/// unmaintained. The sheet needs only a small part of the format: strings, numbers,
/// dates as serial numbers with a date style, a frozen header row and column widths.
///
/// Cells carry no `r` reference (they follow each other, as the format allows) and never a
/// formula: text is always a string cell, whatever it starts with. Text is written inline,
/// except in columns of a few repeated labels (vendor, status, …), whose first values go to the
/// shared-string table: a `<v>3</v>` instead of the whole string saves many of the sheet's
/// bytes, and so of the time spent deflating it. The table holds at most `sharedPerColumn`
/// values per column, so memory stays bounded.
struct XLSXSheetWriter {
    /// A column: its header and width in characters.
    struct Column {
        var name: String
        var width: Int
    }

    /// The cell styles of `XLSXPackage.styles`, by index.
    enum Style: Int {
        case general = 0, date = 1, amount = 2, header = 3, text = 4
    }

    /// Rows a sheet holds besides its header row.
    static let maximumDataRows = 1_048_575

    /// Days from Excel's day 0 (1899-12-30, in the 1900 date system) to 1970-01-01.
    static let unixEpochSerial = 25_569

    var writer: ByteWriter
    /// The shared-string table, in index order.
    private(set) var sharedStrings: [[UInt8]] = []
    /// Per column, the indexes of its values in `sharedStrings`.
    private var sharedByColumn: [[Int]]
    static let sharedPerColumn = 32

    init(writer: ByteWriter, columns: Int) {
        self.writer = writer
        sharedByColumn = Array(repeating: [], count: columns)
    }

    // MARK: - Sheet

    mutating func begin(columns: [Column]) {
        writer.append("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheetViews><sheetView tabSelected="1" workbookViewId="0">\
            <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/><cols>
            """)
        for (index, column) in columns.enumerated() {
            writer.append("<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(column.width)\" customWidth=\"1\"/>")
        }
        writer.append("</cols><sheetData>")
        beginRow()
        for column in columns {
            Array(column.name.utf8).withUnsafeBufferPointer { text($0, style: .header) }
        }
        endRow()
    }

    mutating func end() {
        writer.append("</sheetData></worksheet>")
    }

    @inline(__always)
    mutating func beginRow() { writer.buffer.append(contentsOf: Self.rowOpen) }

    @inline(__always)
    mutating func endRow() { writer.buffer.append(contentsOf: Self.rowClose) }

    // MARK: - Cells

    /// An empty cell (NULL).
    @inline(__always)
    mutating func empty() { writer.buffer.append(contentsOf: Self.emptyCell) }

    /// A text cell (inline string), byte for byte what `value` holds as far as XML 1.0 allows,
    /// and no longer than a cell holds (`cellCharacters`); true when it had to be cut.
    @discardableResult
    mutating func text(_ whole: UnsafeBufferPointer<UInt8>, style: Style = .text) -> Bool {
        let value = UnsafeBufferPointer(rebasing: whole[..<Self.cellEnd(whole)])
        writer.buffer.append(contentsOf: style == .header ? Self.headerOpen : Self.textOpen)
        let preserve = value.first.map(Self.isXMLSpace) == true || value.last.map(Self.isXMLSpace) == true
        writer.buffer.append(contentsOf: preserve ? Self.preserveOpen : Self.tOpen)
        XMLText.append(value, to: &writer.buffer)
        writer.buffer.append(contentsOf: Self.textClose)
        return value.count < whole.count
    }

    /// Excel's most characters (UTF-16 code units) in a cell: a longer text makes it call the
    /// file damaged.
    static let cellCharacters = 32_767

    /// Where `value` (UTF-8) must end to fit a cell, at a character's boundary.
    static func cellEnd(_ value: UnsafeBufferPointer<UInt8>) -> Int {
        // No character takes more UTF-16 units than UTF-8 bytes: a short text always fits.
        guard value.count > cellCharacters else { return value.count }
        var units = 0
        for (index, byte) in value.enumerated() where byte & 0xC0 != 0x80 {
            let width = byte >= 0xF0 ? 2 : 1
            if units + width > cellCharacters { return index }
            units += width
        }
        return value.count
    }

    /// A text cell for a column of few repeated values: a shared string while the column has
    /// fewer than `sharedPerColumn` distinct ones, inline after that.
    /// True when the text had to be cut (`text`).
    @discardableResult
    mutating func label(_ value: UnsafeBufferPointer<UInt8>, column: Int) -> Bool {
        for index in sharedByColumn[column] where Self.equal(sharedStrings[index], value) {
            appendShared(index)
            return false
        }
        guard sharedByColumn[column].count < Self.sharedPerColumn, value.count <= Self.cellCharacters else {
            return text(value)
        }
        let index = sharedStrings.count
        sharedStrings.append(Array(value))
        sharedByColumn[column].append(index)
        appendShared(index)
        return false
    }

    @inline(__always)
    private mutating func appendShared(_ index: Int) {
        writer.buffer.append(contentsOf: Self.sharedOpen)
        Money.appendPlain(micros: Int64(index) * Money.microsPerUnit, to: &writer.buffer)
        writer.buffer.append(contentsOf: Self.valueClose)
    }

    @inline(__always)
    static func equal(_ stored: [UInt8], _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == value.count else { return false }
        if value.isEmpty { return true }
        return stored.withUnsafeBufferPointer { memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0 }
    }

    /// The shared-string part (`xl/sharedStrings.xml`).
    func sharedStringsXML() -> [UInt8] {
        var out = Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="\(sharedStrings.count)">
            """.utf8)
        for string in sharedStrings {
            let preserve = string.first.map(Self.isXMLSpace) == true || string.last.map(Self.isXMLSpace) == true
            out.append(contentsOf: Array("<si>".utf8))
            out.append(contentsOf: preserve ? Self.preserveOpen : Self.tOpen)
            string.withUnsafeBufferPointer { XMLText.append($0, to: &out) }
            out.append(contentsOf: Array("</t></si>".utf8))
        }
        out.append(contentsOf: Array("</sst>".utf8))
        return out
    }

    /// A number cell holding `value` (a plain decimal that fits a double) as written.
    @inline(__always)
    mutating func number(_ value: UnsafeBufferPointer<UInt8>, style: Style) {
        writer.buffer.append(contentsOf: style == .amount ? Self.amountOpen : Self.numberOpen)
        writer.buffer.append(contentsOf: value)
        writer.buffer.append(contentsOf: Self.valueClose)
    }

    /// An amount: a number cell with the amount style, or a text cell with its exact decimal
    /// when no double holds it. Returns whether it became text.
    @inline(__always)
    mutating func amount(micros: Int64) -> Bool {
        if SpreadsheetNumber.fitsDouble(micros: micros) {
            writer.buffer.append(contentsOf: Self.amountOpen)
            Money.appendPlain(micros: micros, to: &writer.buffer)
            writer.buffer.append(contentsOf: Self.valueClose)
            return false
        }
        var exact: [UInt8] = []
        Money.append(micros: micros, minimumDecimals: 2, to: &exact)
        exact.withUnsafeBufferPointer { text($0) }
        return true
    }

    /// A quantity or other decimal kept as text by the warehouse: a number cell when it is a
    /// plain decimal a double holds, text otherwise. Returns whether a decimal became text.
    @inline(__always)
    mutating func decimal(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard SpreadsheetNumber.isPlainDecimal(value) else {
            // An exponent's exact plain form is the number cell; anything else is text, and
            // counted as such.
            if let plain = SpreadsheetNumber.plainForm(value), plain.withUnsafeBufferPointer({ SpreadsheetNumber.fitsDouble($0) }) {
                plain.withUnsafeBufferPointer { number($0, style: .general) }
                return false
            }
            text(value)
            return true
        }
        if SpreadsheetNumber.fitsDouble(value) {
            number(value, style: .general)
            return false
        }
        text(value)
        return true
    }

    /// A `YYYY-MM-DD` date as a date cell (a serial day number with the date style); anything
    /// else stays text.
    @inline(__always)
    mutating func date(_ value: UnsafeBufferPointer<UInt8>) {
        guard let serial = Self.serial(value) else {
            text(value)
            return
        }
        writer.buffer.append(contentsOf: Self.dateOpen)
        Money.appendPlain(micros: Int64(serial) * Money.microsPerUnit, to: &writer.buffer)
        writer.buffer.append(contentsOf: Self.valueClose)
    }

    /// The serial day number of an exact `YYYY-MM-DD`, nil for anything else or for a day before
    /// 1900-03-01 (where Excel's 1900 calendar counts a 29 February that never was).
    static func serial(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard value.count == 10, value[4] == UInt8(ascii: "-"), value[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var result = 0
            for index in range {
                guard SpreadsheetSafety.isDigit(value[index]) else { return nil }
                result = result * 10 + Int(value[index] - UInt8(ascii: "0"))
            }
            return result
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let date = CalendarDate(year: year, month: month, day: day) else { return nil }
        let serial = date.daysSinceEpoch + unixEpochSerial
        return serial >= 61 ? serial : nil
    }

    @inline(__always)
    static func isXMLSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    static let rowOpen = Array("<row>".utf8)
    static let rowClose = Array("</row>\r\n".utf8)
    static let emptyCell = Array("<c/>".utf8)
    static let textOpen = Array("<c t=\"inlineStr\" s=\"\(Style.text.rawValue)\"><is>".utf8)
    static let headerOpen = Array("<c t=\"inlineStr\" s=\"\(Style.header.rawValue)\"><is>".utf8)
    static let tOpen = Array("<t>".utf8)
    static let preserveOpen = Array("<t xml:space=\"preserve\">".utf8)
    static let textClose = Array("</t></is></c>".utf8)
    static let sharedOpen = Array("<c t=\"s\" s=\"\(Style.text.rawValue)\"><v>".utf8)
    static let amountOpen = Array("<c s=\"\(Style.amount.rawValue)\"><v>".utf8)
    static let numberOpen = Array("<c><v>".utf8)
    static let dateOpen = Array("<c s=\"\(Style.date.rawValue)\"><v>".utf8)
    static let valueClose = Array("</v></c>".utf8)
}
