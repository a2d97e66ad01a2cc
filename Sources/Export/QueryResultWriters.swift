import GRDBSQLite
import JSON
import Warehouse

/// csv (RFC 4180, CRLF) and tsv (LF, backslash escapes) results.
///
/// Values: INTEGER as its digits, REAL as its shortest exact form, TEXT as is, NULL as an
/// empty field, BLOB as lowercase hex.
struct DelimitedResultWriter {
    let columns: [String]
    let tabSeparated: Bool

    init(columns: [String], tabSeparated: Bool) {
        self.columns = columns
        self.tabSeparated = tabSeparated
    }

    func write(_ statement: SteppedStatement, to writer: inout ByteWriter) throws -> Int {
        let delimiter = tabSeparated ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        for (index, name) in columns.enumerated() {
            if index > 0 { writer.append(delimiter) }
            var name = name
            name.withUTF8 { field(tabSeparated, $0, &writer.buffer) }
        }
        endLine(&writer.buffer)
        let count = Int32(columns.count)
        var rows = 0
        while try statement.step() {
            for column in 0..<count {
                if column > 0 { writer.buffer.append(delimiter) }
                switch statement.columnType(column) {
                case SQLITE_NULL:
                    break
                case SQLITE_FLOAT:
                    ValueText.appendReal(statement.double(column), to: &writer.buffer)
                case SQLITE_BLOB:
                    ValueText.appendHex(statement.blob(column), to: &writer.buffer)
                default:
                    if let text = statement.text(column) { field(tabSeparated, text, &writer.buffer) }
                }
            }
            endLine(&writer.buffer)
            rows += 1
            try writer.flushIfFull()
        }
        return rows
    }

    @inline(__always)
    private func endLine(_ buffer: inout [UInt8]) {
        if !tabSeparated { buffer.append(0x0D) }
        buffer.append(0x0A)
    }

    @inline(__always)
    private func field(_ tabSeparated: Bool, _ text: UnsafeBufferPointer<UInt8>, _ buffer: inout [UInt8]) {
        if tabSeparated {
            TSVField.append(text, to: &buffer)
        } else {
            CSVField.append(text, delimiter: UInt8(ascii: ","), to: &buffer)
        }
    }
}

/// TSV values: a backslash, tab, LF or CR inside a value is written `\\`, `\t`, `\n`, `\r`,
/// so one line is one row and a tab always separates fields.
enum TSVField {
    @inline(__always)
    static func append(_ text: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var start = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D else { continue }
            if start < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index])) }
            start = index + 1
            buffer.append(0x5C)
            switch byte {
            case 0x09: buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            default: buffer.append(0x5C)
            }
        }
        if start < text.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...])) }
    }
}

/// json (one array, one object per line inside it) and jsonl (one object per line).
///
/// Keys are the column names in column order. Values: INTEGER and REAL as JSON numbers
/// (INTEGER digits exactly as stored, so 64-bit micros survive in parsers that keep big
/// integers), TEXT as strings, NULL as null, BLOB as a base64 string.
struct JSONResultWriter {
    /// `{"a":`, `,"b":`, … with the punctuation that precedes each value.
    let keys: [[UInt8]]
    let lines: Bool

    init(columns: [String], lines: Bool) {
        self.lines = lines
        keys = columns.enumerated().map { index, name in
            var bytes: [UInt8] = [index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ",")]
            JSONString.append(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return bytes
        }
    }

    func write(_ statement: SteppedStatement, to writer: inout ByteWriter) throws -> Int {
        let null = Array("null".utf8)
        let count = Int32(keys.count)
        var rows = 0
        if !lines { writer.append(UInt8(ascii: "[")) }
        while try statement.step() {
            if !lines { writer.buffer.append(contentsOf: rows == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A]) }
            for column in 0..<count {
                writer.buffer.append(contentsOf: keys[Int(column)])
                switch statement.columnType(column) {
                case SQLITE_NULL:
                    writer.buffer.append(contentsOf: null)
                case SQLITE_INTEGER:
                    if let text = statement.text(column) { writer.buffer.append(contentsOf: text) }
                case SQLITE_FLOAT:
                    ValueText.appendJSONReal(statement.double(column), to: &writer.buffer)
                case SQLITE_BLOB:
                    writer.buffer.append(UInt8(ascii: "\""))
                    ValueText.appendBase64(statement.blob(column), to: &writer.buffer)
                    writer.buffer.append(UInt8(ascii: "\""))
                default:
                    if let text = statement.text(column) {
                        JSONString.append(text, to: &writer.buffer)
                    } else {
                        writer.buffer.append(contentsOf: null)
                    }
                }
            }
            writer.buffer.append(UInt8(ascii: "}"))
            if lines { writer.buffer.append(0x0A) }
            rows += 1
            try writer.flushIfFull()
        }
        if !lines { writer.append(rows == 0 ? Array("]\n".utf8) : Array("\n]\n".utf8)) }
        return rows
    }
}
