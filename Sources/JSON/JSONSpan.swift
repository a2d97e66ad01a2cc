/// Where a value is in the bytes and what kind it is, without building it: readers that want a
/// few fields of many small objects (a document's price lines) take the text of just those.
package struct JSONSpan: Sendable, Equatable {
    package enum Kind: UInt8, Sendable {
        /// No such member (a reader's empty slot).
        case absent
        case null, string, number, `true`, `false`, object, array
    }

    package var kind: Kind
    /// The value's bytes; a string's include its quotes.
    package var range: Range<Int>

    package init(kind: Kind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    package static let absent = JSONSpan(kind: .absent, range: 0..<0)

    /// Present with a value other than `null`.
    package var isPresent: Bool { kind != .absent && kind != .null }

    /// The type name `JSONValue.kind` gives the same value, for error messages.
    package var kindName: String {
        switch kind {
        case .absent, .null: "null"
        case .string: "string"
        case .number: "number"
        case .true, .false: "boolean"
        case .object: "object"
        case .array: "array"
        }
    }
}

/// A member's name as it is in the bytes (between its quotes).
package struct JSONMemberName: Sendable {
    package var range: Range<Int>
    /// Holds a `\` escape: its text differs from its bytes.
    package var escaped: Bool
}

extension JSONParser {
    /// Runs `read` with a parser at the start of `range` of `body`, a value validated before
    /// (`parseElementRanges`); the parser may not read past the range.
    package static func reading<R>(_ body: [UInt8], range: Range<Int>,
                                   _ read: (inout JSONParser) throws(JSONParseError) -> R) throws(JSONParseError) -> R {
        try body.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> R in
            var parser = JSONParser(UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
            parser.index = range.lowerBound
            return try read(&parser)
        }
    }

    /// The parser's position in the bytes.
    package var offset: Int { index }

    /// The kind of the value at the parser's position (`.absent` at the end).
    package var valueKind: JSONSpan.Kind {
        switch peek() {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"): .true
        case UInt8(ascii: "f"): .false
        case UInt8(ascii: "n"): .null
        case nil: .absent
        default: .number
        }
    }

    /// At `{` of a value validated before: `member` at each member's value, which it must read
    /// or skip (`skipValidated`).
    package mutating func readMembers(_ member: (inout JSONParser, JSONMemberName) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try container(closedBy: UInt8(ascii: "}")) { (parser) throws(JSONParseError) in
            guard parser.peek() == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
            let start = parser.index + 1
            let escaped = parser.skipValidatedString()
            let end = parser.index - 1
            try parser.memberColon()
            try member(&parser, JSONMemberName(range: start..<end, escaped: escaped))
        }
    }

    /// At `[`: `element` at each element with its index, which it must read or skip.
    package mutating func readElements(_ element: (inout JSONParser, Int) throws(JSONParseError) -> Void) throws(JSONParseError) {
        var index = 0
        try container(closedBy: UInt8(ascii: "]")) { (parser) throws(JSONParseError) in
            try element(&parser, index)
            index += 1
        }
    }

    /// Skips the value here, which was validated before (`parseElementRanges`), saying where
    /// it was: only its end is looked for, none of the parser's checks are made again.
    package mutating func skipValidated() -> JSONSpan {
        let kind = valueKind
        let start = index
        switch kind {
        case .string: _ = skipValidatedString()
        case .object, .array: skipValidatedContainer()
        case .absent: break
        case .null, .number, .true, .false:
            scan: while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: break scan
                default: index += 1
                }
            }
        }
        return JSONSpan(kind: kind, range: start..<index)
    }

    /// At `"` of a validated string: past its closing quote; whether it holds an escape.
    mutating func skipValidatedString() -> Bool {
        var escaped = false
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): index += 1; return escaped
            case UInt8(ascii: "\\"): escaped = true; index += 2
            default: index += 1
            }
        }
        return escaped
    }

    /// At `{` or `[` of a validated container: past its closing bracket.
    mutating func skipValidatedContainer() {
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): _ = skipValidatedString(); continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { index += 1; return }
            default: break
            }
            index += 1
        }
    }

    /// Builds the value here (an unexpected member a reader still needs whole).
    package mutating func readValue() throws(JSONParseError) -> JSONValue { try parseValue() }

    /// The name's text.
    package func text(of name: JSONMemberName) -> String {
        guard name.escaped else { return String(decoding: UnsafeBufferPointer(rebasing: bytes[name.range]), as: UTF8.self) }
        var parser = self
        parser.index = name.range.lowerBound - 1
        return (try? parser.parseString()) ?? ""
    }

    /// Whether the unescaped name is the ASCII lower-case text at `start` of `pool` (as long as
    /// the name), ignoring ASCII case.
    package func name(_ name: JSONMemberName, matchesLowercased pool: [UInt8], at start: Int) -> Bool {
        guard !name.escaped, start + name.range.count <= pool.count else { return false }
        var j = start
        for i in name.range {
            let byte = bytes[i]
            if (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) != pool[j] { return false }
            j += 1
        }
        return true
    }

    /// Whether the unescaped name's bytes are exactly `bytes`.
    package func name(_ name: JSONMemberName, equals other: [UInt8]) -> Bool {
        !name.escaped && name.range.count == other.count && bytes[name.range].elementsEqual(other)
    }

    /// The name's bytes (unescaped names only).
    package func bytes(of name: JSONMemberName) -> [UInt8] { Array(bytes[name.range]) }
}

extension JSONSpan {
    /// The value's text in `body`: a string's content, a number's exact text, `true`/`false`;
    /// nil for other kinds.
    package func text(in body: [UInt8]) -> String? {
        switch kind {
        case .number:
            return body.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        case .string:
            return body.withUnsafeBufferPointer { buffer in
                let content = range.lowerBound + 1..<range.upperBound - 1
                if !buffer[content].contains(UInt8(ascii: "\\")) {
                    // Validated UTF-8 (the span was skipped by the parser).
                    return String(decoding: UnsafeBufferPointer(rebasing: buffer[content]), as: UTF8.self)
                }
                var parser = JSONParser(UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
                parser.index = range.lowerBound
                return try? parser.parseString()
            }
        case .true: return "true"
        case .false: return "false"
        case .absent, .null, .object, .array: return nil
        }
    }
}
