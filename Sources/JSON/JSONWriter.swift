/// Writes JSON straight into bytes: no `String` concatenation, no Foundation, keys in the
/// order they are written (the sandbox's documents must be byte-identical for a seed).
///
/// Numbers are written from their exact text, never through a floating-point value.
package struct JSONWriter {
    package var bytes: [UInt8] = []
    /// One entry per open object/array: has a member been written yet?
    private var hasMember: [Bool] = []
    private var afterKey = false

    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    package mutating func valuePrefix() {
        if afterKey { afterKey = false; return }
        if let last = hasMember.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasMember[hasMember.count - 1] = true
        }
    }

    package mutating func beginObject() { valuePrefix(); bytes.append(UInt8(ascii: "{")); hasMember.append(false) }
    package mutating func endObject() { hasMember.removeLast(); bytes.append(UInt8(ascii: "}")) }
    package mutating func beginArray() { valuePrefix(); bytes.append(UInt8(ascii: "[")); hasMember.append(false) }
    package mutating func endArray() { hasMember.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// A member name known at compile time (plain ASCII, nothing to escape).
    package mutating func key(_ name: StaticString) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// A member name from data (escaped).
    package mutating func key(_ name: String) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        JSONString.append(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    package mutating func string(_ value: String) {
        valuePrefix()
        JSONString.append(value, to: &bytes)
    }

    package mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    package mutating func int(_ value: Int) {
        valuePrefix()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendUnsigned(UInt64(value.magnitude))
    }

    package mutating func bool(_ value: Bool) {
        valuePrefix()
        if value { append("true") } else { append("false") }
    }

    package mutating func null() { valuePrefix(); append("null") }

    /// A number whose text is already valid JSON number syntax (e.g. a quantity `12.375`).
    package mutating func numberText(_ text: String) {
        valuePrefix()
        bytes.append(contentsOf: text.utf8)
    }

    /// Raw bytes that are a complete JSON value (e.g. a pre-rendered document).
    package mutating func rawValue(_ raw: [UInt8]) {
        valuePrefix()
        bytes.append(contentsOf: raw)
    }

    /// Hands over the bytes written so far, keeping the nesting state (for chunked output).
    package mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.capacity)
        swap(&out, &bytes)
        return out
    }

    package mutating func append(_ literal: StaticString) {
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
}

extension JSONValue {
    /// An object from its members in order.
    package static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { (key: $0.0, value: $0.1) }))
    }

    package func write(to writer: inout JSONWriter) {
        switch self {
        case .object(let object):
            writer.beginObject()
            for (name, value) in object.members {
                writer.key(name)
                value.write(to: &writer)
            }
            writer.endObject()
        case .array(let items):
            writer.beginArray()
            for item in items { item.write(to: &writer) }
            writer.endArray()
        case .string(let text): writer.string(text)
        case .number(let text): writer.numberText(text)
        case .bool(let value): writer.bool(value)
        case .null: writer.null()
        }
    }
}
