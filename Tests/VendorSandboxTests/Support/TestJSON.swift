import Warehouse

/// The tests' own JSON reader (independent of the module's), keeping member order and the
/// exact text of numbers so that amounts are compared exactly.
indirect enum TJ: Equatable, CustomStringConvertible {
    case object([(String, TJ)])
    case array([TJ])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: TJ, rhs: TJ) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    var description: String {
        switch self {
        case .object(let m): "{" + m.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
        case .array(let a): "[" + a.map(\.description).joined(separator: ",") + "]"
        case .string(let s): "\"\(s)\""
        case .number(let n): n
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    /// Member lookup ignoring letter case (the vendors' rule).
    subscript(_ name: String) -> TJ? {
        guard case .object(let members) = self else { return nil }
        let lower = name.lowercased()
        return members.first { $0.0.lowercased() == lower }?.1
    }

    var array: [TJ] { if case .array(let a) = self { a } else { [] } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var numberText: String? { if case .number(let n) = self { n } else { nil } }

    /// Lower-cased names, members sorted, members not in `known` (lower-cased) dropped.
    func normalized(keeping known: Set<String>) -> TJ {
        switch self {
        case .object(let members):
            return .object(members.filter { known.contains($0.0.lowercased()) }
                .map { ($0.0.lowercased(), $0.1.normalized(keeping: known)) }
                .sorted { $0.0 < $1.0 })
        case .array(let items): return .array(items.map { $0.normalized(keeping: known) })
        default: return self
        }
    }

    /// Every member name, recursively.
    var allNames: [String] {
        switch self {
        case .object(let members): members.flatMap { [$0.0] + $0.1.allNames }
        case .array(let items): items.flatMap(\.allNames)
        default: []
        }
    }

    struct ParseError: Error {}

    static func parse(_ bytes: [UInt8]) throws -> TJ {
        var reader = Reader(bytes: bytes)
        let value = try reader.value()
        reader.space()
        guard reader.index == bytes.count else { throw ParseError() }
        return value
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func space() { while index < bytes.count, [9, 10, 13, 32].contains(bytes[index]) { index += 1 } }

        mutating func literal(_ text: String) throws {
            let expected = Array(text.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else { throw ParseError() }
            index += expected.count
        }

        /// The one-letter escapes and the bytes they stand for.
        static let escapes: [UInt8: UInt8] = [
            UInt8(ascii: "n"): 10, UInt8(ascii: "t"): 9, UInt8(ascii: "r"): 13, UInt8(ascii: "b"): 8, UInt8(ascii: "f"): 12,
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
        ]

        /// At `[` or `{`: `item` at each element or member, with commas between, up to `close`.
        mutating func items(closedBy close: String, _ item: (inout Reader) throws -> Void) throws {
            index += 1
            space()
            if index < bytes.count, bytes[index] == Array(close.utf8)[0] { index += 1; return }
            while true {
                space()
                try item(&self)
                space()
                guard index < bytes.count else { throw ParseError() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                try literal(close)
                return
            }
        }

        mutating func value() throws -> TJ {
            space()
            guard index < bytes.count else { throw ParseError() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                var members: [(String, TJ)] = []
                try items(closedBy: "}") { reader in
                    guard case .string(let name) = try reader.value() else { throw ParseError() }
                    reader.space()
                    try reader.literal(":")
                    members.append((name, try reader.value()))
                }
                return .object(members)
            case UInt8(ascii: "["):
                var elements: [TJ] = []
                try items(closedBy: "]") { elements.append(try $0.value()) }
                return .array(elements)
            case UInt8(ascii: "\""):
                index += 1
                var out: [UInt8] = []
                while true {
                    guard index < bytes.count else { throw ParseError() }
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") { break }
                    guard byte >= 0x20 else { throw ParseError() }
                    if byte != UInt8(ascii: "\\") { out.append(byte); continue }
                    guard index < bytes.count else { throw ParseError() }
                    let escape = bytes[index]
                    index += 1
                    if let plain = Self.escapes[escape] { out.append(plain); continue }
                    switch escape {
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                              let scalar = Unicode.Scalar(code) else { throw ParseError() }
                        index += 4
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw ParseError()
                    }
                }
                guard let text = String(validating: out, as: UTF8.self) else { throw ParseError() }
                return .string(text)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default:
                let start = index
                while index < bytes.count, "-+.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw ParseError() }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }
    }
}

/// Reading served Copaco responses in the tests.
enum Served {
    static func documents(_ body: [UInt8]) throws -> [TJ] {
        let root = try TJ.parse(body)
        guard let list = root["Invoices"] else { throw TJ.ParseError() }
        return list.array
    }

    static func lines(_ document: TJ) -> [TJ] {
        (document["Customers"]?.array ?? []).flatMap { ($0["Subscriptions"]?.array ?? []).flatMap { $0["PriceLines"]?.array ?? [] } }
    }

    static func invoiceIDs(_ body: [UInt8]) throws -> [String] {
        try documents(body).map { $0["Header"]?["InvoiceID"]?.string ?? "?" }
    }

    /// Sum of ExtendedPrice, parsed from the number text, exactly.
    static func extendedPriceMicros(_ body: [UInt8]) throws -> (total: Int64, lines: Int) {
        var total: Int64 = 0
        var count = 0
        for document in try documents(body) {
            for line in lines(document) {
                guard let text = line["ExtendedPrice"]?.numberText else { throw TJ.ParseError() }
                total += try Money(parsing: text).micros
                count += 1
            }
        }
        return (total, count)
    }
}
