/// A strict RFC 8259 parser over bytes that keeps number text and the byte span of values.
package struct JSONParseError: Error, CustomStringConvertible, Sendable {
    package var offset: Int
    package let reason: String
    /// False when the text could not be read whole (a document over the size limit, a body
    /// that broke off): the bytes may well be JSON, and the message must not say otherwise.
    package var isInvalidJSON = true
    package var description: String { isInvalidJSON ? "invalid JSON at byte \(offset): \(reason)" : "at byte \(offset): \(reason)" }
    /// A string's content is unusable (not UTF-8, a lone surrogate, a raw control character)
    /// while the text's structure is sound: inside one document, that document alone is bad.
    package var isStringContent = false

    static func stringContent(offset: Int, _ reason: String) -> JSONParseError {
        var error = JSONParseError(offset: offset, reason: reason)
        error.isStringContent = true
        return error
    }

    /// Bytes that are not UTF-8 in a string: most likely a vendor writing another encoding.
    static func notUTF8(offset: Int) -> JSONParseError {
        stringContent(offset: offset, "a string is not valid UTF-8 (JSON is UTF-8: does the vendor send another encoding, such as Latin-1?)")
    }

    /// Text that may well be sound JSON, of a shape the contract does not send (an array where
    /// the envelope object belongs, the envelope's array named twice): not called invalid.
    static func shape(offset: Int, _ reason: String) -> JSONParseError {
        var error = JSONParseError(offset: offset, reason: reason)
        error.isInvalidJSON = false
        return error
    }

    /// A body whose first value, at `first`, is no object. An array is sound JSON of another
    /// shape; anything else is named by how the body starts (`start`, its first bytes).
    static func notAnObject(offset: Int, first: UInt8?, start: some Collection<UInt8>) -> JSONParseError {
        first == UInt8(ascii: "[")
            ? shape(offset: offset, "the response is a JSON array, not the object the contract sends (its documents in one of its members)")
            : JSONParseError(offset: offset, reason: UTF8Sequence.notAnObject(start: start))
    }

    /// The envelope's array named twice (names match ignoring case, as the vendors' are): read
    /// from one of them, the other's documents would be lost without a word.
    static func secondMember(_ key: String) -> String {
        "a second member named \(JSONString.quoted(key)) (names are matched ignoring case): which one holds the documents is ambiguous"
    }
}

package struct JSONParser {
    /// Nesting deeper than this is refused rather than risking the stack on hostile input.
    package static let maxDepth = 256

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses one whole JSON text.
    package static func parse(_ data: [UInt8]) throws(JSONParseError) -> JSONValue {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(buffer)
            parser.skipByteOrderMark()
            parser.skipWhitespace()
            let value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the value") }
            return value
        }
    }

    /// Parses `{ ..., "<arrayKey>": [ e0, e1, ... ], ... }` and returns each element of that
    /// array with its exact byte range, so each element can be stored verbatim. The key is
    /// matched ignoring ASCII case. Returns nil elements when the key is absent.
    /// An element whose extent is sound but a string in it is not comes with that error and a
    /// null value (`JSONEnvelopeCursor.Element.unreadable`).
    package static func parseEnvelope(_ data: [UInt8], arrayKey: String) throws(JSONParseError) -> [EnvelopeElement]? {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> [EnvelopeElement]? in
            var parser = JSONParser(buffer)
            parser.skipByteOrderMark()
            parser.skipWhitespace()
            guard parser.peek() == UInt8(ascii: "{") else { throw JSONParseError.notAnObject(offset: parser.index, first: parser.peek(), start: buffer) }
            parser.index += 1
            var found: [EnvelopeElement]?
            var sawArrayKey = false
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "}") {
                parser.index += 1
            } else {
                while true {
                    parser.skipWhitespace()
                    let key = try parser.parseString()
                    try parser.memberColon()
                    let isArrayKey = asciiCaseInsensitiveEquals(key, arrayKey)
                    if isArrayKey {
                        guard !sawArrayKey else { throw JSONParseError.shape(offset: parser.index, JSONParseError.secondMember(key)) }
                        sawArrayKey = true
                    }
                    if found == nil, isArrayKey, parser.peek() == UInt8(ascii: "[") {
                        found = try parser.parseElementsWithRanges(keepingUnreadable: true)
                    } else {
                        _ = try parser.parseValue()
                    }
                    parser.skipWhitespace()
                    if parser.peek() == UInt8(ascii: ",") { parser.index += 1; continue }
                    try parser.expect(UInt8(ascii: "}"))
                    break
                }
            }
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the value") }
            return found
        }
    }

    /// Parses a bare top-level array `[ e0, e1, ... ]` (Copper's search answers) into its
    /// elements with their exact byte ranges.
    package static func parseArray(_ data: [UInt8]) throws(JSONParseError) -> [(range: Range<Int>, value: JSONValue)] {
        try data.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> [(range: Range<Int>, value: JSONValue)] in
            var parser = JSONParser(buffer)
            parser.skipByteOrderMark()
            parser.skipWhitespace()
            guard parser.peek() == UInt8(ascii: "[") else { throw parser.error("the response is not a JSON array") }
            let elements = try parser.parseElementsWithRanges(keepingUnreadable: false)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the value") }
            return elements.map { ($0.range, $0.value) }
        }
    }

    package typealias EnvelopeElement = (range: Range<Int>, value: JSONValue, unreadable: JSONParseError?)

    mutating func parseElementsWithRanges(keepingUnreadable: Bool) throws(JSONParseError) -> [EnvelopeElement] {
        var elements: [EnvelopeElement] = []
        try container(closedBy: UInt8(ascii: "]"), nested: false) { (parser) throws(JSONParseError) in
            let start = parser.index
            do throws(JSONParseError) {
                let value = try parser.parseValue()
                elements.append((start..<parser.index, value, nil))
            } catch where keepingUnreadable && error.isStringContent {
                var scanner = JSONValueScanner(at: start)
                guard let end = scanner.scan(parser.bytes) else { throw error }
                parser.index = end
                elements.append((start..<end, .null, error))
            }
        }
        return elements
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    @inline(__always) func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// A UTF-8 byte-order mark before a body's first value. RFC 8259 lets a parser ignore
    /// it, and some servers send one: it is not part of any value, so nothing stored changes.
    mutating func skipByteOrderMark() {
        if index == 0, bytes.starts(with: UTF8Sequence.byteOrderMark) { index = UTF8Sequence.byteOrderMark.count }
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard peek() == byte else {
            throw error(index < bytes.count ? "expected '\(Character(Unicode.Scalar(byte)))'" : "the text ends too early")
        }
        index += 1
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("the text ends too early") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), 48...57: return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("the text ends too early") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
            throw error("unexpected character")
        }
        index += count
    }

    mutating func parseObject() throws(JSONParseError) -> JSONObject {
        var members: [(key: String, value: JSONValue)] = []
        try container(closedBy: UInt8(ascii: "}")) { (parser) throws(JSONParseError) in
            // One allocation for a vendor's objects (a price line has about 16 members), not
            // five as the array doubles.
            if members.isEmpty { members.reserveCapacity(16) }
            let key = try parser.memberName()
            members.append((key, try parser.parseValue()))
        }
        return JSONObject(members)
    }

    mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
        var values: [JSONValue] = []
        try container(closedBy: UInt8(ascii: "]")) { (parser) throws(JSONParseError) in values.append(try parser.parseValue()) }
        return values
    }

    /// At `{` or `[`: one level deeper (checked against `maxDepth`) unless this is a response's
    /// envelope, then `item` at each member or element, with the commas between them and the
    /// closing bracket checked. The containers the parser reads, builds or skips go through here.
    @inline(__always)
    mutating func container(closedBy close: UInt8, nested: Bool = true,
                            _ item: (inout JSONParser) throws(JSONParseError) -> Void) throws(JSONParseError) {
        if nested { depth += 1 }
        defer { if nested { depth -= 1 } }
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        skipWhitespace()
        if peek() == close { index += 1; return }
        while true {
            skipWhitespace()
            try item(&self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(close)
            return
        }
    }

    /// At a member of an object: its name, leaving the index at its value.
    @inline(__always)
    mutating func memberName() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
        let name = try parseString()
        try memberColon()
        return name
    }

    /// After a member's name: the colon and the white space around it.
    @inline(__always)
    mutating func memberColon() throws(JSONParseError) {
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        skipWhitespace()
    }

    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        try skipNumber()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    @inline(__always) mutating func skipDigits() {
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes are the string.
        var ascii = true
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                // ASCII needs no validation; `String(validating:)` is not specialised and costs a
                // generic-metadata lookup per call (15% of a 1M-line ingest).
                if ascii {
                    index += 1
                    return String(decoding: slice, as: UTF8.self)
                }
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw JSONParseError.notUTF8(offset: start)
                }
                index += 1
                return text
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw JSONParseError.stringContent(offset: index, "a control character inside a string must be escaped") }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("a string is not closed") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; break }
            if b < 0x20 { throw JSONParseError.stringContent(offset: index, "a control character inside a string must be escaped") }
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            index += 1
            guard let escape = peek() else { throw error("a string is not closed") }
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try unicodeEscape()
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw error("unknown escape in a string")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw JSONParseError.notUTF8(offset: start)
        }
        return text
    }

    /// After `\u`: the scalar of the escape, a surrogate pair joined (a lone half is refused).
    mutating func unicodeEscape() throws(JSONParseError) -> UInt32 {
        let scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw JSONParseError.stringContent(offset: index, "a lone UTF-16 surrogate in a string")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw JSONParseError.stringContent(offset: index, "a lone UTF-16 surrogate in a string") }
            return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        if (0xDC00...0xDFFF).contains(scalar) { throw JSONParseError.stringContent(offset: index, "a lone UTF-16 surrogate in a string") }
        return scalar
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("the text ends too early") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case 48...57: digit = UInt32(b - 48)
            case 65...70: digit = UInt32(b - 55)
            case 97...102: digit = UInt32(b - 87)
            default: throw error("bad \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
