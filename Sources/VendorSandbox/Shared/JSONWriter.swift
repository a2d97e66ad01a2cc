import Warehouse

/// Writes JSON straight into bytes: no `String` concatenation, no Foundation, keys in the
/// order they are written (the fake APIs' documents must be byte-identical for a seed).
///
/// Numbers are written from their exact text: money through `Money.append` (no exponent, up to
/// six decimals), other decimals as validated text.
struct JSONWriter {
    var bytes: [UInt8] = []
    /// One entry per open object/array: has a member been written yet?
    private var hasMember: [Bool] = []
    private var afterKey = false

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    private mutating func valuePrefix() {
        if afterKey { afterKey = false; return }
        if let last = hasMember.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasMember[hasMember.count - 1] = true
        }
    }

    mutating func beginObject() { valuePrefix(); bytes.append(UInt8(ascii: "{")); hasMember.append(false) }
    mutating func endObject() { hasMember.removeLast(); bytes.append(UInt8(ascii: "}")) }
    mutating func beginArray() { valuePrefix(); bytes.append(UInt8(ascii: "[")); hasMember.append(false) }
    mutating func endArray() { hasMember.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// A member name known at compile time (plain ASCII, nothing to escape).
    mutating func key(_ name: StaticString) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// A member name from data (escaped).
    mutating func key(_ name: String) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        JSONWriter.appendEscaped(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    mutating func string(_ value: String) {
        valuePrefix()
        JSONWriter.appendEscaped(value, to: &bytes)
    }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    mutating func int(_ value: Int) {
        valuePrefix()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendUnsigned(UInt64(value.magnitude))
    }

    mutating func bool(_ value: Bool) {
        valuePrefix()
        if value { append("true") } else { append("false") }
    }

    mutating func null() { valuePrefix(); append("null") }

    /// Money in micro-units as an exact JSON number: `12.5`, `-0.000001`, `20`.
    mutating func money(_ micros: Int64) {
        valuePrefix()
        Money.append(micros: micros, minimumDecimals: 0, to: &bytes)
    }

    /// A number whose text is already valid JSON number syntax (e.g. a quantity `12.375`).
    mutating func numberText(_ text: String) {
        valuePrefix()
        bytes.append(contentsOf: text.utf8)
    }

    /// A date as the Copaco API renders it: `YYYY-MM-DDT00:00:00`.
    mutating func dateTime(_ isoDay: String) {
        valuePrefix()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: isoDay.utf8)
        append("T00:00:00")
        bytes.append(UInt8(ascii: "\""))
    }

    /// Raw bytes that are a complete JSON value (e.g. a pre-rendered document).
    mutating func rawValue(_ raw: [UInt8]) {
        valuePrefix()
        bytes.append(contentsOf: raw)
    }

    /// Hands over the bytes written so far, keeping the nesting state (for chunked output).
    mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.capacity)
        swap(&out, &bytes)
        return out
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    private mutating func appendUnsigned(_ value: UInt64) {
        if value < 10 { bytes.append(UInt8(ascii: "0") + UInt8(value)); return }
        var digits: [UInt8] = []
        var rest = value
        while rest > 0 { digits.append(UInt8(ascii: "0") + UInt8(rest % 10)); rest /= 10 }
        bytes.append(contentsOf: digits.reversed())
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`, … or
    /// `\u00XX`; every other character (UTF-8, `€`, `ë`) kept as it is.
    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let fast: Bool? = value.utf8.withContiguousStorageIfAvailable { buffer in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if fast != true {
            for byte in value.utf8 {
                switch byte {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                case 0..<0x20:
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(hexDigits[Int(byte >> 4)])
                    bytes.append(hexDigits[Int(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
