/// JSON string literals from UTF-8 bytes, the one escaper of the package (exports, request
/// bodies, the reconcile queue's parameter, the sandbox): `"`, `\` and control characters escaped
/// (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00XX`); everything else copied as is.
///
/// Bytes that are not valid UTF-8 (SQLite does not check TEXT) are replaced by U+FFFD so the
/// output stays parseable JSON.
package enum JSONString {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    package static func append(_ text: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var ascii = true
        for byte in text where byte >= 0x80 { ascii = false; break }
        if ascii {
            appendEscaped(text, to: &buffer)
        } else {
            // Repairs invalid sequences; valid text comes back byte for byte.
            var repaired = String(decoding: text, as: UTF8.self)
            repaired.withUTF8 { appendEscaped($0, to: &buffer) }
        }
    }

    package static func append(_ text: String, to buffer: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped($0, to: &buffer) }
    }

    /// `text` as a JSON string literal.
    package static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func append(_ text: String, to string: inout String) {
        string += quoted(text)
    }

    @inline(__always)
    static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var start = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            if start < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index])) }
            start = index + 1
            buffer.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x22: buffer.append(0x22)
            case 0x5C: buffer.append(0x5C)
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            case 0x09: buffer.append(UInt8(ascii: "t"))
            case 0x08: buffer.append(UInt8(ascii: "b"))
            case 0x0C: buffer.append(UInt8(ascii: "f"))
            default:
                buffer.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            }
        }
        if start < text.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...])) }
        buffer.append(UInt8(ascii: "\""))
    }
}
