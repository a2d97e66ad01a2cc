/// Text forms of SQLite values that have no single obvious spelling: REAL and BLOB.
package enum ValueText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let base64Digits: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The shortest text that reads back as the same Double (`0.1`, `2.5`, `1e-07`, `5.0`);
    /// infinities as `Inf` / `-Inf` (SQLite stores no NaN: it becomes NULL).
    package static func appendReal(_ value: Double, to buffer: inout [UInt8]) {
        if value.isInfinite {
            buffer.append(contentsOf: value < 0 ? Array("-Inf".utf8) : Array("Inf".utf8))
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// As a JSON number; the infinities as `1e999` / `-1e999` (valid JSON syntax that parsers
    /// read as infinity, as SQLite's own JSON functions do).
    package static func appendJSONReal(_ value: Double, to buffer: inout [UInt8]) {
        if value.isInfinite {
            buffer.append(contentsOf: value < 0 ? Array("-1e999".utf8) : Array("1e999".utf8))
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// Lowercase hexadecimal, two digits a byte: the BLOB form of the text formats.
    package static func appendHex(_ bytes: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        for byte in bytes {
            buffer.append(hexDigits[Int(byte >> 4)])
            buffer.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    /// Standard base64 with padding (RFC 4648): the BLOB form of the JSON formats.
    package static func appendBase64(_ bytes: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        var index = 0
        let count = bytes.count
        while index + 3 <= count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            buffer.append(base64Digits[Int(chunk >> 18 & 63)])
            buffer.append(base64Digits[Int(chunk >> 12 & 63)])
            buffer.append(base64Digits[Int(chunk >> 6 & 63)])
            buffer.append(base64Digits[Int(chunk & 63)])
            index += 3
        }
        let rest = count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            buffer.append(base64Digits[Int(chunk >> 18 & 63)])
            buffer.append(base64Digits[Int(chunk >> 12 & 63)])
            buffer.append(rest == 2 ? base64Digits[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            buffer.append(UInt8(ascii: "="))
        }
    }
}
