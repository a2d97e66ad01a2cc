import Export
import GRDBSQLite
import NIOCore

/// Writes SQLite rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL, `\\`,
/// `\t`, `\n`, `\r` escaped, BLOBs as `\\x` hex): what `COPY … FROM STDIN` reads fastest
/// besides the binary format, which would need a type-specific encoder per column.
///
/// Values go out as SQLite holds them: integers as their digits, texts byte for byte (dates
/// and exact decimals are text in the warehouse and parse into DATE and NUMERIC unchanged).
enum CopyRowEncoder {
    static func append(_ statement: SteppedStatement, columns: Int32, to buffer: inout ByteBuffer) {
        for column in 0..<columns {
            if column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            switch statement.columnType(column) {
            case SQLITE_NULL:
                buffer.writeStaticString("\\N")
            case SQLITE_BLOB:
                appendHex(statement.blob(column), to: &buffer)
            default:
                appendEscaped(statement.text(column) ?? UnsafeBufferPointer(start: nil, count: 0), to: &buffer)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout ByteBuffer) {
        var start = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            buffer.writeInteger(UInt8(ascii: "\\"))
            buffer.writeInteger(escaped)
            start = index + 1
        }
        buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// BYTEA's hex input, `\x…`, with its backslash escaped for the text format.
    static func appendHex(_ bytes: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("\\\\x")
        buffer.reserveCapacity(minimumWritableBytes: bytes.count * 2)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { target in
            for (index, byte) in bytes.enumerated() {
                target[2 * index] = hexDigits[Int(byte >> 4)]
                target[2 * index + 1] = hexDigits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
