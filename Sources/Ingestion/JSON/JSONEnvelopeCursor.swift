/// Reads `{ ..., "<arrayKey>": [ e0, e1, ... ], ... }` one element at a time, so that only one
/// element's tree is in memory however large the response. It validates exactly
/// what `JSONParser.parseEnvelope` validates, in the same order; a syntax error surfaces when the
/// cursor reaches it, so a caller writing elements as they come must undo them on an error.
public struct JSONEnvelopeCursor: Sendable {
    enum State: Sendable {
        case start
        /// Inside the array; the next byte starts an element or closes the array.
        case inArray(first: Bool)
        case done
    }

    /// One element: its exact bytes' range, its value, and — when the cursor defers a member
    /// of object elements — that member's element ranges (see `ShallowObject`).
    public struct Element: Sendable {
        public var range: Range<Int>
        public var value: JSONValue
        public var deferred: [Range<Int>]?
    }

    public let body: [UInt8]
    let arrayKey: String
    let deferKey: String?
    var index = 0
    var state = State.start
    /// Whether the array was found (known once the cursor passed it or the envelope ended).
    public private(set) var foundArray = false

    /// `deferring`: the member of object elements whose array is validated but left unparsed.
    public init(_ body: [UInt8], arrayKey: String, deferring deferKey: String? = nil) {
        self.body = body
        self.arrayKey = arrayKey
        self.deferKey = deferKey
    }

    /// The next element with its exact byte range; nil after the last one, once the rest of the
    /// envelope has been read and found valid. Check `foundArray` when it returns nil.
    public mutating func next() throws(JSONParseError) -> Element? {
        let (index, state, found, element) = try body.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in
            var parser = JSONParser(buffer)
            parser.index = self.index
            var state = self.state
            var found = self.foundArray
            let element = try Self.step(&parser, state: &state, found: &found, arrayKey: arrayKey, deferKey: deferKey)
            return (parser.index, state, found, element)
        }
        self.index = index
        self.state = state
        self.foundArray = found
        return element
    }

    static func step(_ parser: inout JSONParser, state: inout State, found: inout Bool, arrayKey: String, deferKey: String?) throws(JSONParseError) -> Element? {
        while true {
            switch state {
            case .done:
                return nil
            case .start:
                parser.skipWhitespace()
                guard parser.peek() == UInt8(ascii: "{") else { throw parser.error("the response is not a JSON object") }
                parser.index += 1
                parser.skipWhitespace()
                if parser.peek() == UInt8(ascii: "}") {
                    parser.index += 1
                    try finish(&parser)
                    state = .done
                    return nil
                }
                if try members(&parser, found: &found, arrayKey: arrayKey) {
                    state = .inArray(first: true)
                } else {
                    state = .done
                    return nil
                }
            case .inArray(let first):
                parser.skipWhitespace()
                if first, parser.peek() == UInt8(ascii: "]") {
                    parser.index += 1
                } else if !first, parser.peek() == UInt8(ascii: "]") {
                    parser.index += 1
                } else {
                    if !first { try parser.expect(UInt8(ascii: ",")); parser.skipWhitespace() }
                    let start = parser.index
                    let element: Element
                    if let deferKey, parser.peek() == UInt8(ascii: "{") {
                        let shallow = try parser.parseShallowObject(deferring: deferKey)
                        element = Element(range: start..<parser.index, value: .object(shallow.object), deferred: shallow.deferred)
                    } else {
                        let value = try parser.parseValue()
                        element = Element(range: start..<parser.index, value: value, deferred: nil)
                    }
                    parser.skipWhitespace()
                    // A separator or the end must follow; checked now so the error offset is the parser's.
                    guard let next = parser.peek(), next == UInt8(ascii: ",") || next == UInt8(ascii: "]") else {
                        throw parser.error(parser.peek() == nil ? "the text ends too early" : "expected ']'")
                    }
                    state = .inArray(first: false)
                    return element
                }
                // The array is closed: the rest of the envelope's members, then its end.
                parser.skipWhitespace()
                if parser.peek() == UInt8(ascii: ",") {
                    parser.index += 1
                    if try members(&parser, found: &found, arrayKey: arrayKey) { state = .inArray(first: true); continue }
                } else {
                    try parser.expect(UInt8(ascii: "}"))
                    try finish(&parser)
                }
                state = .done
                return nil
            }
        }
    }

    /// Reads members up to the wanted array (returns true, positioned after its `[`) or to the
    /// end of the envelope (returns false, the whole text read).
    static func members(_ parser: inout JSONParser, found: inout Bool, arrayKey: String) throws(JSONParseError) -> Bool {
        while true {
            parser.skipWhitespace()
            let key = try parser.parseString()
            parser.skipWhitespace()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipWhitespace()
            if !found, asciiCaseInsensitiveEquals(key, arrayKey), parser.peek() == UInt8(ascii: "[") {
                found = true
                parser.index += 1
                return true
            }
            _ = try parser.parseValue()
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: ",") { parser.index += 1; continue }
            try parser.expect(UInt8(ascii: "}"))
            try finish(&parser)
            return false
        }
    }

    static func finish(_ parser: inout JSONParser) throws(JSONParseError) {
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected data after the value") }
    }
}
