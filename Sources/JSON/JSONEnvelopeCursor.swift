/// Reads `{ ..., "<arrayKey>": [ e0, e1, ... ], ... }` one element at a time off a body that is
/// still arriving, so that only one element is in memory however large the response: the bytes
/// are read into a rolling buffer, an element's extent is found by a structural scan
/// (`JSONValueScanner`), the element is parsed, copied out and dropped from the buffer.
/// It validates exactly what `JSONParser.parseEnvelope` validates, in the same order, and
/// fails with the same error at the same offset however the body is cut into pieces: the parser
/// only ever runs over bytes that hold the whole value and a few beyond it (or the body's end).
/// A syntax error surfaces when the cursor reaches it, so a caller writing elements as they
/// come must undo them on an error.
package struct JSONEnvelopeCursor {
    enum State: Sendable {
        case start
        /// Inside the array; the next byte starts an element or closes the array.
        case inArray(first: Bool)
        case done
    }

    /// One element: its byte range in the body, its exact bytes, its value, and — when the
    /// cursor defers a member of object elements — that member's element ranges in `raw`
    /// (see `ShallowObject`).
    package struct Element: Sendable {
        package var range: Range<Int>
        package var raw: [UInt8]
        package var value: JSONValue
        package var deferred: DeferredArray?
        /// Set (and `value` null) for an element whose extent is sound but a string in it is
        /// not (`JSONParseError.isStringContent`): that document is bad, not the response.
        package var unreadable: JSONParseError?
    }

    /// A generous bound on one element (a document) or one other envelope member: memory
    /// follows the largest one, so a body that never closes its brackets stops here.
    package static let defaultMaxElementBytes = 512 << 20
    /// How far past a value's end the parser may look (a literal's letters, `\u` digits).
    static let lookahead = 8

    let reader: any BodyReader
    let arrayKey: String
    let deferKey: String?
    package let maxElementBytes: Int
    /// Bytes read and not yet dropped; `buffer[0]` is byte `base` of the body.
    var buffer: [UInt8] = []
    var base = 0
    var index = 0
    /// The reader has said the body ended.
    var ended = false
    var state = State.start
    /// Whether the array was found (known once the cursor passed it or the envelope ended).
    package private(set) var foundArray = false
    /// A member named `arrayKey` (ignoring case) was read: a second one is an error.
    var sawArrayKey = false

    /// `deferring`: the member of object elements whose array is validated but left unparsed.
    package init(reading reader: any BodyReader, arrayKey: String, deferring deferKey: String? = nil) {
        self.reader = reader
        self.arrayKey = arrayKey
        self.deferKey = deferKey
        self.maxElementBytes = reader.maxDocumentBytes
    }

    /// Over a body already in memory.
    package init(_ body: [UInt8], arrayKey: String, deferring deferKey: String? = nil) {
        self.init(reading: WholeBody(body), arrayKey: arrayKey, deferring: deferKey)
    }

    /// The next element; nil after the last one, once the rest of the envelope has been read
    /// and found valid. Check `foundArray` when it returns nil.
    package mutating func next() throws(JSONParseError) -> Element? {
        dropConsumed()
        while true {
            switch state {
            case .done:
                return nil
            case .start:
                try skipByteOrderMark()
                try skipWhitespace()
                guard try peek() == UInt8(ascii: "{") else {
                    while base + buffer.count < 4, try fill() {}
                    throw JSONParseError.notAnObject(offset: base + index, first: try peek(), start: base == 0 ? buffer[...] : [])
                }
                index += 1
                try skipWhitespace()
                if try peek() == UInt8(ascii: "}") {
                    index += 1
                    try finish()
                    state = .done
                    return nil
                }
                if try members() {
                    state = .inArray(first: true)
                } else {
                    state = .done
                    return nil
                }
            case .inArray(let first):
                try skipWhitespace()
                if try peek() != UInt8(ascii: "]") {
                    if !first { try expect(UInt8(ascii: ",")); try skipWhitespace() }
                    let element = try element()
                    try skipWhitespace()
                    // A separator or the end must follow; checked now so the error offset is the parser's.
                    guard let next = try peek(), next == UInt8(ascii: ",") || next == UInt8(ascii: "]") else {
                        throw error(try peek() == nil ? "the text ends too early" : "expected ']'")
                    }
                    state = .inArray(first: false)
                    return element
                }
                index += 1
                // The array is closed: the rest of the envelope's members, then its end.
                try skipWhitespace()
                if try peek() == UInt8(ascii: ",") {
                    index += 1
                    if try members() { state = .inArray(first: true); continue }
                } else {
                    try expect(UInt8(ascii: "}"))
                    try finish()
                }
                state = .done
                return nil
            }
        }
    }

    /// The element starting at `index`, parsed and taken out of the buffer. An element that is
    /// most of the buffer takes the buffer's storage as its bytes (no copy of a document that
    /// can be tens of MB) and what follows it moves to a new buffer; a smaller one is copied
    /// out, so that a response of many small documents neither moves the rest of each read
    /// piece once per document nor hands every document a whole piece's storage.
    mutating func element() throws(JSONParseError) -> Element {
        dropConsumed()
        let extent = try completeValue()
        let start = index
        let deferKey = deferKey
        let value: JSONValue, deferred: DeferredArray?, unreadable: JSONParseError?
        do {
            (value, deferred) = try parse { (parser) throws(JSONParseError) -> (JSONValue, DeferredArray?) in
                if let deferKey, parser.peek() == UInt8(ascii: "{") {
                    let shallow = try parser.parseShallowObject(deferring: deferKey)
                    return (.object(shallow.object), shallow.deferred)
                }
                return (try parser.parseValue(), nil)
            }
            unreadable = nil
        } catch where error.isStringContent && extent != nil {
            // One document's bad text (a cut emoji, a byte in another encoding) is that
            // document's fault: it is handed on to be quarantined, and the response read on.
            (value, deferred, unreadable) = (.null, nil, error)
            index = extent!
        }
        let end = index
        let range = base + start..<base + end
        let raw: [UInt8]
        if (end - start) * 2 >= buffer.count {
            var whole = buffer
            // Sized for a next element like this one, so that it is read without the
            // buffer doubling (each doubling copies it and touches fresh pages).
            buffer = []
            buffer.reserveCapacity(whole.count)
            buffer.append(contentsOf: whole[end...])
            whole.removeSubrange(end...)
            whole.removeSubrange(0..<start)
            raw = whole
            base += end
            index = 0
        } else {
            raw = Array(buffer[start..<end])
        }
        return Element(range: range, raw: raw, value: value,
                       deferred: deferred.map { array in
                           DeferredArray(name: array.name, elements: array.elements.map { $0.lowerBound - start..<$0.upperBound - start })
                       }, unreadable: unreadable)
    }

    /// Reads members up to the wanted array (returns true, positioned after its `[`) or to the
    /// end of the envelope (returns false, the whole text read).
    mutating func members() throws(JSONParseError) -> Bool {
        while true {
            dropConsumed()
            try skipWhitespace()
            try completeValue()
            let key = try parse { (parser) throws(JSONParseError) in try parser.parseString() }
            try skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try skipWhitespace()
            let isArrayKey = asciiCaseInsensitiveEquals(key, arrayKey)
            if isArrayKey {
                guard !sawArrayKey else { throw JSONParseError.shape(offset: base + index, JSONParseError.secondMember(key)) }
                sawArrayKey = true
            }
            if !foundArray, isArrayKey, try peek() == UInt8(ascii: "[") {
                foundArray = true
                index += 1
                return true
            }
            try completeValue()
            _ = try parse { (parser) throws(JSONParseError) in try parser.parseValue() }
            try skipWhitespace()
            if try peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            try finish()
            return false
        }
    }

    mutating func finish() throws(JSONParseError) {
        try skipWhitespace()
        guard try peek() == nil else { throw error("unexpected data after the value") }
    }

    // MARK: The rolling buffer

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: base + index, reason: reason) }

    /// Reads the body's next piece into the buffer; false at its end.
    mutating func fill() throws(JSONParseError) -> Bool {
        if ended { return false }
        do {
            if try reader.read(appendingTo: &buffer) { return true }
        } catch {
            ended = true
            throw JSONParseError(offset: base + buffer.count, reason: "the response could not be read to its end: \(error)", isInvalidJSON: false)
        }
        ended = true
        return false
    }

    /// Drops what was read once it is at least half the buffer, so that the bytes moved are
    /// never more than those dropped; `index` then becomes 0. Only between values: nothing
    /// else points into the buffer.
    mutating func dropConsumed() {
        guard index > 0, index * 2 >= buffer.count else { return }
        buffer.removeSubrange(0..<index)
        base += index
        index = 0
    }

    mutating func peek() throws(JSONParseError) -> UInt8? {
        while index >= buffer.count { guard try fill() else { return nil } }
        return buffer[index]
    }

    /// As `JSONParser.skipByteOrderMark`, over as many pieces as the mark arrives in.
    mutating func skipByteOrderMark() throws(JSONParseError) {
        let mark = UTF8Sequence.byteOrderMark
        while base + buffer.count < mark.count, try fill() {}
        if base == 0, index == 0, buffer.starts(with: mark) { index = mark.count }
    }

    /// Whitespace read whole is dropped before the next piece comes: between values it is
    /// bounded by nothing, so kept it would grow with the response.
    mutating func skipWhitespace() throws(JSONParseError) {
        while true {
            if index > 0, index == buffer.count {
                base += index
                index = 0
                buffer.removeAll(keepingCapacity: true)
            }
            guard let byte = try peek() else { return }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard let next = try peek() else { throw error("the text ends too early") }
        guard next == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Reads until the value starting at `index` is in the buffer whole, with `lookahead` bytes
    /// after it, or the body has ended; the value's end by its brackets and quotes, if it has one.
    @discardableResult
    mutating func completeValue() throws(JSONParseError) -> Int? {
        var scanner = JSONValueScanner(at: index)
        while true {
            let end = buffer.withUnsafeBufferPointer { scanner.scan($0) }
            guard (end ?? scanner.position) - index <= maxElementBytes else {
                var tooLarge = error("a single document or value of more than \(Self.size(maxElementBytes)): raise BILLWH_MAX_DOCUMENT_MB if the vendor's documents are that large")
                tooLarge.isInvalidJSON = false
                throw tooLarge
            }
            if let end {
                while buffer.count < end + Self.lookahead { guard try fill() else { break } }
                return end
            }
            guard try fill() else { return nil }
        }
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// Runs the parser over the buffer from `index`; `index` moves to where it stopped.
    mutating func parse<T>(_ body: (inout JSONParser) throws(JSONParseError) -> T) throws(JSONParseError) -> T {
        let start = index, base = base
        let (result, end) = try buffer.withUnsafeBufferPointer { (bytes) throws(JSONParseError) -> (T, Int) in
            var parser = JSONParser(bytes)
            parser.index = start
            do throws(JSONParseError) {
                let result = try body(&parser)
                return (result, parser.index)
            } catch {
                var moved = error
                moved.offset += base
                throw moved
            }
        }
        index = end
        return result
    }
}

/// Finds where a JSON value ends by its brackets and quotes alone, resumable as more bytes
/// arrive. It does not validate: the parser then reads the value, and stops no later than this
/// end (or a few bytes past it) on any input, valid or not.
struct JSONValueScanner {
    /// The next byte to look at.
    private(set) var position: Int
    private var started = false
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// A number or literal: it ends at the first byte that cannot continue one.
    private var scalar = false

    init(at position: Int) { self.position = position }

    /// Scans on from `position`; the value's end (exclusive) once it is complete.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = position
        defer { position = i }
        let count = bytes.count
        if !started {
            guard i < count else { return nil }
            started = true
            switch bytes[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth = 1
            case UInt8(ascii: "\""): inString = true
            default: scalar = true
            }
            i += 1
        }
        if scalar {
            while i < count {
                switch bytes[i] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                     UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                    i += 1
                default:
                    return i
                }
            }
            return nil
        }
        while i < count {
            let byte = bytes[i]
            i += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return i }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
        }
        return nil
    }
}
