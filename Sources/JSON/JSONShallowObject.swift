/// An object read with one array member left unparsed: its elements are validated (so the
/// object is known to be well-formed JSON) and kept as byte ranges, to be parsed one at a time.
/// A Copaco invoice is one document per month holding every customer's lines (tens of MB); its
/// tree would be ten times that, a customer's tree is small.
package struct ShallowObject: Sendable {
    /// Every member in order, except the deferred one.
    package var object: JSONObject
    /// The first member named like the deferred key (ASCII case ignored), when that member is
    /// an array; nil when there is no such member or it is not an array (then it stays in
    /// `object`, so readers report its type as usual).
    package var deferred: DeferredArray?
}

/// A member's array kept as its elements' byte ranges, under the name the body spells it with
/// (the field census records the vendor's spelling, not the key asked for).
package struct DeferredArray: Sendable, Equatable {
    package var name: String
    package var elements: [Range<Int>]

    package init(name: String, elements: [Range<Int>]) {
        self.name = name
        self.elements = elements
    }
}

extension JSONParser {
    /// At `{`: like `parseObject`, with the same checks and errors in the same order.
    mutating func parseShallowObject(deferring key: String) throws(JSONParseError) -> ShallowObject {
        var members: [(key: String, value: JSONValue)] = []
        var deferred: DeferredArray?
        var seen = false
        try container(closedBy: UInt8(ascii: "}")) { (parser) throws(JSONParseError) in
            let name = try parser.memberName()
            let first = !seen && asciiCaseInsensitiveEquals(name, key)
            if first { seen = true }
            if first, parser.peek() == UInt8(ascii: "[") {
                deferred = DeferredArray(name: name, elements: try parser.parseElementRanges())
            } else {
                members.append((name, try parser.parseValue()))
            }
        }
        return ShallowObject(object: JSONObject(members), deferred: deferred)
    }

    /// At `[`: like `parseArray`, keeping each element's byte range instead of its value (each
    /// element is validated, not built).
    mutating func parseElementRanges() throws(JSONParseError) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        try container(closedBy: UInt8(ascii: "]")) { (parser) throws(JSONParseError) in
            let start = parser.index
            try parser.skipValue()
            ranges.append(start..<parser.index)
        }
        return ranges
    }

    /// One value that `parseElementRanges` validated, parsed from its range of `body`.
    package static func parse(_ body: [UInt8], range: Range<Int>) throws(JSONParseError) -> JSONValue {
        try body.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
            parser.index = range.lowerBound
            let value = try parser.parseValue()
            guard parser.index == range.upperBound else { throw parser.error("unexpected data after the value") }
            return value
        }
    }
}
