/// A parsed JSON value whose numbers keep their exact text.
///
/// Foundation's parsers turn numbers into `Double`, which cannot hold `0.1` exactly; vendor
/// amounts must be parsed from their text (docs/vendors.md), so this tree keeps it.
/// Not `indirect`: objects and arrays already live in array storage, and boxing every string
/// and number as well cost an allocation per value (a price line has about 16).
package enum JSONValue: Sendable, Equatable {
    case object(JSONObject)
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    package var object: JSONObject? { if case .object(let o) = self { o } else { nil } }
    package var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    package var isNull: Bool { if case .null = self { true } else { false } }

    /// Short type name for error messages.
    package var kind: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}

/// Object members in the order sent. Lookup ignores ASCII case, because the vendors spell the
/// same field `SubscriptionID` and `SubscriptionId` (docs/vendors.md).
package struct JSONObject: Sendable, Equatable {
    package var members: [(key: String, value: JSONValue)]

    package init(_ members: [(key: String, value: JSONValue)]) { self.members = members }

    package static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The first member whose name equals `name` ignoring ASCII case.
    package subscript(name: String) -> JSONValue? {
        // Only names of the same length can match (a stored count for native strings).
        let length = name.utf8.count
        for member in members where member.key.utf8.count == length && asciiCaseInsensitiveEquals(member.key, name) {
            return member.value
        }
        return nil
    }
}

@inline(__always)
package func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return true
        case let (x?, y?):
            if x == y { continue }
            let lx = (x >= 65 && x <= 90) ? x | 0x20 : x
            let ly = (y >= 65 && y <= 90) ? y | 0x20 : y
            if lx != ly { return false }
        default: return false
        }
    }
}
