import GRDBSQLite

/// The `table` format: aligned columns for people, streamed.
///
/// Column widths are measured on the header and the first `sampleRows` (1000) rows, which are
/// held back until then; every later row is written at once with the same widths, so a result
/// of any size runs in constant memory. A column is at most `maxWidth` (60) characters wide:
/// a longer value — in the sample or after it — is cut and ends with `…`. Columns whose sampled
/// values are all numbers are right-aligned. Inside values, LF, CR and tab are shown as `\n`,
/// `\r`, `\t` and other control characters as `\xNN`, so each row stays on one line. NULL is
/// an empty cell, a BLOB is lowercase hex. Width counts Unicode scalars (not terminal cells).
struct TableResultWriter {
    static let sampleRows = 1000
    static let maxWidth = 60

    let columns: [String]

    init(columns: [String]) { self.columns = columns }

    private struct Cell {
        var bytes: [UInt8]
        var isNumber: Bool
        var isNull: Bool
    }

    /// Writes the result; `cut` counts the values shown cut short.
    func write(_ statement: SteppedStatement, to writer: inout ByteWriter, cut: inout Int) throws -> Int {
        let count = Int32(columns.count)
        var sample: [[Cell]] = []
        var rows = 0
        var more = true
        while sample.count < TableResultWriter.sampleRows {
            guard try statement.step() else { more = false; break }
            sample.append((0..<count).map { cell(statement, $0) })
        }

        var widths = columns.map { min(TableResultWriter.maxWidth, TableResultWriter.displayWidth(Array($0.utf8))) }
        var numeric = [Bool](repeating: true, count: columns.count)
        var anyValue = [Bool](repeating: false, count: columns.count)
        for row in sample {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], min(TableResultWriter.maxWidth, TableResultWriter.displayWidth(cell.bytes)))
                if !cell.isNull {
                    anyValue[index] = true
                    if !cell.isNumber { numeric[index] = false }
                }
            }
        }
        let rightAligned = (0..<columns.count).map { numeric[$0] && anyValue[$0] }

        func line(_ cells: [Cell], header: Bool = false) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { writer.buffer.append(contentsOf: [0x20, UInt8(ascii: "|"), 0x20]) }
                let last = index == cells.count - 1
                if TableResultWriter.appendPadded(cell.bytes, width: widths[index], right: rightAligned[index] && !header,
                                                  padEnd: !last, to: &writer.buffer) { cut += 1 }
            }
            writer.buffer.append(0x0A)
        }

        line(columns.map { Cell(bytes: TableResultWriter.escaped(Array($0.utf8)), isNumber: false, isNull: false) }, header: true)
        for (index, width) in widths.enumerated() {
            if index > 0 { writer.buffer.append(contentsOf: [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "-")]) }
            writer.buffer.append(contentsOf: [UInt8](repeating: UInt8(ascii: "-"), count: width))
        }
        writer.buffer.append(0x0A)
        for row in sample {
            line(row)
            rows += 1
            try writer.flushIfFull()
        }
        sample = []
        if more {
            var row: [Cell] = []
            while try statement.step() {
                row.removeAll(keepingCapacity: true)
                for column in 0..<count { row.append(cell(statement, column)) }
                line(row)
                rows += 1
                try writer.flushIfFull()
            }
        }
        return rows
    }

    private func cell(_ statement: SteppedStatement, _ column: Int32) -> Cell {
        switch statement.columnType(column) {
        case SQLITE_NULL:
            return Cell(bytes: [], isNumber: false, isNull: true)
        case SQLITE_INTEGER:
            return Cell(bytes: statement.text(column).map { Array($0) } ?? [], isNumber: true, isNull: false)
        case SQLITE_FLOAT:
            var bytes: [UInt8] = []
            ValueText.appendReal(statement.double(column), to: &bytes)
            return Cell(bytes: bytes, isNumber: true, isNull: false)
        case SQLITE_BLOB:
            var bytes: [UInt8] = []
            ValueText.appendHex(statement.blob(column), to: &bytes)
            return Cell(bytes: bytes, isNumber: false, isNull: false)
        default:
            return Cell(bytes: TableResultWriter.escaped(statement.text(column).map { Array($0) } ?? []), isNumber: false, isNull: false)
        }
    }

    /// Control characters made visible, so that a value stays on its row.
    static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return bytes }
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        for byte in bytes {
            switch byte {
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F: out.append(contentsOf: [0x5C, UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        return out
    }

    /// Unicode scalars in UTF-8 bytes (continuation bytes not counted).
    static func displayWidth(_ bytes: [UInt8]) -> Int {
        var width = 0
        for byte in bytes where byte & 0xC0 != 0x80 { width += 1 }
        return width
    }

    /// The value cut to `width` (ending in `…` when cut) and padded with spaces; whether it was cut.
    @discardableResult
    static func appendPadded(_ bytes: [UInt8], width: Int, right: Bool, padEnd: Bool, to buffer: inout [UInt8]) -> Bool {
        var shown = bytes
        var shownWidth = displayWidth(bytes)
        if shownWidth > width {
            // Keep width − 1 scalars, then the ellipsis.
            var kept = 0, end = 0
            while end < bytes.count {
                if bytes[end] & 0xC0 != 0x80 {
                    if kept == width - 1 { break }
                    kept += 1
                }
                end += 1
            }
            shown = Array(bytes[..<end]) + Array("…".utf8)
            shownWidth = width
        }
        let padding = width - shownWidth
        if right { buffer.append(contentsOf: repeatElement(UInt8(0x20), count: padding)) }
        buffer.append(contentsOf: shown)
        if !right && padEnd { buffer.append(contentsOf: repeatElement(UInt8(0x20), count: padding)) }
        return shown.count != bytes.count
    }
}
