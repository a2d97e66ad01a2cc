/// A JSON value that keeps member order and the exact text of numbers. Used off the hot
/// path only: to rewrite a rendered document when a fault (`mutateFields`) asks for it.
indirect enum JSONNode: Sendable, Equatable {
    case object([(String, JSONNode)])
    case array([JSONNode])
    case string(String)
    /// The number's text exactly as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONNode, rhs: JSONNode) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    func write(to writer: inout JSONWriter) {
        switch self {
        case .object(let members):
            writer.beginObject()
            for (name, value) in members {
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

/// A strict RFC 8259 parser into `JSONNode` (numbers kept as text).
struct JSONParser {
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    private let bytes: [UInt8]
    private var index = 0

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw Failure(offset: parser.index, reason: "trailing bytes") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end") }
        let matches = literal.withUTF8Buffer { buffer in
            for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
        guard matches else { throw fail("unexpected token") }
        index += count
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONNode {
        guard depth < 512 else { throw fail("nested too deep") }
        guard index < bytes.count else { throw fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONNode)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let name = try string()
                skipSpace()
                try expect(":")
                skipSpace()
                members.append((name, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw fail("expected , or }")
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONNode] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                throw fail("expected , or ]")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default:
            return .number(try number())
        }
    }

    private mutating func number() throws(Failure) -> String {
        let start = index
        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unexpected end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 65...70: digit = UInt32(byte - 55)
            case 97...102: digit = UInt32(byte - 87)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func string() throws(Failure) -> String {
        index += 1 // opening quote
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw fail("unterminated string") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid scalar") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail("invalid escape")
                }
            case 0..<0x20:
                throw fail("control character in string")
            default:
                out.append(byte)
            }
        }
    }
}

/// Rewrites a JSON tree the way vendors surprise their clients, without changing a value:
/// member names in other letter cases (`SubscriptionId`, `invoiceid`, `EXTENDEDPRICE`),
/// members in another order, and extra members the contract does not list (strings,
/// numbers, booleans, null, nested objects and arrays).
struct FieldMutator {
    var rng: SplitMix64

    /// Extra members; none of these names equals (ignoring case) a contract field.
    static let extras: [(String, JSONNode)] = [
        ("XRevision", .number("3")),
        ("_links", .object([("self", .string("/api/v1/internal/7f3a")), ("related", .array([.string("/a"), .null]))])),
        ("Tags", .array([.string("nce"), .number("1.5"), .bool(true), .null, .object([("k", .string("v"))])])),
        ("Remark", .string("Opmerking: \"intern\" – niet tonen\nregel 2 \\ €")),
        ("IsPreview", .bool(false)),
        ("Metadata", .object([("Source", .string("billing-v1.7")), ("Nested", .object([("Level", .number("2")), ("Items", .array([.number("0"), .object([("Deep", .null)])]))]))])),
        ("LegacyCode", .null),
        ("ExtraAmount", .number("999.99")),
    ]

    mutating func varyName(_ name: String) -> String {
        switch rng.below(6) {
        case 0: return name.lowercased()
        case 1: return name.uppercased()
        case 2:
            // ID <-> Id, the inconsistency the vendors actually show.
            if name.hasSuffix("ID") { return String(name.dropLast(2)) + "Id" }
            if name.hasSuffix("Id") { return String(name.dropLast(2)) + "ID" }
            return name.lowercased()
        case 3:
            guard let first = name.first else { return name }
            return first.lowercased() + name.dropFirst()
        default: return name
        }
    }

    /// Other letter cases, other member order, extra members. `idsAsId`: every `…ID` becomes
    /// `…Id` (2tCloud's own inconsistency) instead of a varied name.
    mutating func mutate(_ node: JSONNode, idsAsId: Bool = false) -> JSONNode {
        switch node {
        case .object(let members):
            var out: [(String, JSONNode)] = []
            for (name, value) in members {
                let renamed = idsAsId && name.hasSuffix("ID") ? String(name.dropLast(2)) + "Id" : varyName(name)
                out.append((renamed, mutate(value, idsAsId: idsAsId)))
            }
            let extraCount = Int(rng.below(3))
            var used = Set<Int>()
            for _ in 0..<extraCount {
                let pick = Int(rng.below(UInt64(FieldMutator.extras.count)))
                if used.insert(pick).inserted { out.append(FieldMutator.extras[pick]) }
            }
            rng.shuffle(&out)
            return .object(out)
        case .array(let items):
            return .array(items.map { mutate($0, idsAsId: idsAsId) })
        default:
            return node
        }
    }
}
