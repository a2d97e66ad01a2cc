/// An object read with one array member left unparsed: its elements are validated (so the
/// object is known to be well-formed JSON) and kept as byte ranges, to be parsed one at a time.
/// A Copaco invoice is one document per month holding every customer's lines (tens of MB); its
/// tree would be ten times that, a customer's tree is small.
package struct ShallowObject: Sendable {
    /// Every member in order, except the deferred one.
    package var object: JSONObject
    /// The elements of the first member named like the deferred key (ASCII case ignored), when
    /// that member is an array; nil when there is no such member or it is not an array (then it
    /// stays in `object`, so readers report its type as usual).
    package var deferred: [Range<Int>]?
}

extension JSONParser {
    /// At `{`: like `parseObject`, with the same checks and errors in the same order.
    mutating func parseShallowObject(deferring key: String) throws(JSONParseError) -> ShallowObject {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var deferred: [Range<Int>]?
        var seen = false
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return ShallowObject(object: JSONObject(members), deferred: nil) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let name = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let first = !seen && asciiCaseInsensitiveEquals(name, key)
            if first { seen = true }
            if first, peek() == UInt8(ascii: "[") {
                deferred = try parseElementRanges()
            } else {
                members.append((name, try parseValue()))
            }
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return ShallowObject(object: JSONObject(members), deferred: deferred)
        }
    }

    /// At `[`: like `parseArray`, keeping each element's byte range instead of its value (each
    /// element is validated, not built).
    mutating func parseElementRanges() throws(JSONParseError) -> [Range<Int>] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        var ranges: [Range<Int>] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return ranges }
        while true {
            skipWhitespace()
            let start = index
            try skipValue()
            ranges.append(start..<index)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return ranges
        }
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
