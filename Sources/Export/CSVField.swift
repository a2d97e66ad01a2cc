/// RFC 4180 fields: written as is unless they must be quoted, then wrapped in `"` with inner
/// quotes doubled.
///
/// A field is quoted when it contains the delimiter, `"`, CR or LF (RFC 4180), and also when
/// it starts or ends with a space or a tab: spreadsheet importers trim unquoted padding, and
/// accounting data must arrive as sent.
package enum CSVField {
    package static let quote = UInt8(ascii: "\"")

    @inline(__always)
    package static func needsQuoting(_ field: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Bool {
        let count = field.count
        if count == 0 { return false }
        let first = field[0], last = field[count - 1]
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        for byte in field {
            // Every byte that can trigger quoting is below 0x3C ('<'): one compare skips letters.
            if byte < 0x3C && (byte == delimiter || byte == quote || byte == 0x0A || byte == 0x0D) {
                return true
            }
        }
        return false
    }

    /// Appends one field (without the delimiter that separates it from the next).
    @inline(__always)
    package static func append(_ field: UnsafeBufferPointer<UInt8>, delimiter: UInt8, to buffer: inout [UInt8]) {
        if needsQuoting(field, delimiter: delimiter) {
            appendQuoted(field, to: &buffer)
        } else {
            buffer.append(contentsOf: field)
        }
    }

    package static func append(_ field: String, delimiter: UInt8, to buffer: inout [UInt8]) {
        var field = field
        field.withUTF8 { append($0, delimiter: delimiter, to: &buffer) }
    }

    package static func appendQuoted(_ field: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        buffer.append(quote)
        var start = 0
        for index in 0..<field.count where field[index] == quote {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: field[start...index]))
            buffer.append(quote)
            start = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: field[start...]))
        buffer.append(quote)
    }
}
