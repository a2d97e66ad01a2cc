import Testing
@testable import JSON

/// The streaming envelope reader must accept, reject and cut exactly what the whole-body parser
/// does: same elements, same byte ranges, same error at the same offset, and the same elements
/// left unreadable (a bad string inside a sound element: that document alone is bad).
@Suite struct JSONEnvelopeCursorTests {
    /// An element: its range, its value, and for an unreadable one its error's offset and reason.
    typealias Outcome = (elements: [(Range<Int>, JSONValue, String?)]?, error: JSONParseError?)

    static func whole(_ body: [UInt8]) -> Outcome {
        do {
            return (try JSONParser.parseEnvelope(body, arrayKey: "Invoices")?.map { ($0.range, $0.value, $0.unreadable.map(describe)) }, nil)
        } catch { return (nil, error) }
    }

    static func describe(_ error: JSONParseError) -> String { "\(error.offset): \(error.reason)" }

    /// The body as it would arrive off the wire: in pieces of every size from one byte.
    static let pieceSizes = [1, 2, 3, 7, 64, 1 << 20]

    static func streamed(_ body: [UInt8]) -> Outcome {
        let outcomes = pieceSizes.map { streamed(body, pieceSize: $0) }
        return outcomes.dropFirst().allSatisfy { same($0, outcomes[0]) } ? outcomes[0] : (nil, JSONParseError(offset: -1, reason: "the piece size changed the outcome"))
    }

    static func streamed(_ body: [UInt8], pieceSize: Int) -> Outcome {
        var cursor = JSONEnvelopeCursor(reading: WholeBody(body, pieceSize: pieceSize), arrayKey: "Invoices")
        var elements: [(Range<Int>, JSONValue, String?)] = []
        do {
            while let element = try cursor.next() {
                guard element.raw == Array(body[element.range]) else { return (nil, JSONParseError(offset: -2, reason: "raw is not the range's bytes")) }
                elements.append((element.range, element.value, element.unreadable.map(describe)))
            }
            #expect(try cursor.next() == nil, "the cursor stays at its end")
            return (cursor.foundArray ? elements : nil, nil)
        } catch { return (nil, error) }
    }

    static func same(_ a: Outcome, _ b: Outcome) -> Bool {
        switch (a.error, b.error) {
        case let (x?, y?): return x.offset == y.offset && x.reason == y.reason
        case (nil, nil):
            guard let ea = a.elements, let eb = b.elements else { return a.elements == nil && b.elements == nil }
            return ea.count == eb.count && zip(ea, eb).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
        default: return false
        }
    }

    static let sample = #"""
     { "Meta": {"page": 1, "x": [1, 2.50, "a\"b"]}, "invoices" : [ {"Header": {"InvoiceID": "I-1", "Total": 12.345678}},
       {"Header": {"InvoiceID": "I-2"}, "Customers": []} , [], null, "text" ], "Archive": [ {"second": true} ],
       "Trailer": false }
    """#

    @Test func wellFormedEnvelopes() {
        let bodies = [
            Self.sample, #"{"Invoices": []}"#, #"{}"#, #"{"Other": 1}"#, #"{"Invoices": null, "Invoices": [1]}"#,
            #"{"Invoices": [1, 2, 3]}"#, #"  {"INVOICES":[{"a":{}}]}  "#, #"[]"#, #"{"Invoices": [1,]}"#,
            #"{"Invoices": [1 2]}"#, #"{"Invoices": [1]} x"#, #"{"Invoices": [1], }"#, #"{"Invoices" [1]}"#,
        ]
        for body in bodies {
            let bytes = Array(body.utf8)
            #expect(Self.same(Self.whole(bytes), Self.streamed(bytes)), "\(body)")
        }
        #expect(Self.streamed(Array(Self.sample.utf8)).elements?.count == 5)
        // Two members named Invoices (ignoring case): read from one, the other's documents would
        // be lost without a word, so neither is read.
        let twice = Array(Self.sample.replacingOccurrences(of: "Archive", with: "Invoices").utf8)
        #expect(Self.same(Self.whole(twice), Self.streamed(twice)))
        #expect(Self.streamed(twice).error?.reason.contains("a second member named \"Invoices\"") == true)
        #expect(Self.streamed(twice).error?.isInvalidJSON == false)
        #expect(Self.streamed(Array(#"{"Invoices": null, "invoices": [1]}"#.utf8)).error != nil)
    }

    @Test func aByteOrderMarkOpeningTheBodyIsSkipped() {
        let plain = Array(Self.sample.utf8)
        let marked = [0xEF, 0xBB, 0xBF] + plain
        let (whole, streamed) = (Self.whole(marked), Self.streamed(marked))
        #expect(Self.same(whole, streamed))
        let shifted = Self.whole(plain).elements?.map { (($0.0.lowerBound + 3)..<($0.0.upperBound + 3), $0.1, $0.2) }
        #expect(Self.same(streamed, (shifted, nil)), "the same elements, three bytes further on")
        // Only the body's first bytes: a mark after whitespace, a second mark or a partial one is not JSON.
        for body in ["\u{FEFF}\u{FEFF}{}", " \u{FEFF}{}", "{\u{FEFF}}", "{\"Invoices\": [\u{FEFF}1]}"] {
            let bytes = Array(body.utf8)
            #expect(Self.whole(bytes).error != nil, "\(body)")
            #expect(Self.same(Self.whole(bytes), Self.streamed(bytes)), "\(body)")
        }
        for partial in [[0xEF], [0xEF, 0xBB], [0xEF, 0xBB, 0x7B, 0x7D]] as [[UInt8]] {
            #expect(Self.whole(partial).error?.offset == 0)
            #expect(Self.same(Self.whole(partial), Self.streamed(partial)), "\(partial)")
        }
        #expect(throws: Never.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) }
    }

    /// A UTF-16 or UTF-32 body is named as such, not as JSON that does not parse.
    @Test func aWideEncodingIsNamed() {
        let text = #"{"Invoices": []}"#
        let utf16LE: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let utf16BE: [UInt8] = text.utf16.flatMap { unit -> [UInt8] in [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        for body in [utf16LE, utf16BE] {
            #expect(Self.same(Self.whole(body), Self.streamed(body)))
            #expect(Self.streamed(body).error?.reason.contains("UTF-16 or UTF-32") == true)
        }
        // Sound JSON of another shape is not called invalid.
        let array = Self.streamed(Array("[1]".utf8)).error
        #expect(array?.reason == "the response is a JSON array, not the object the contract sends (its documents in one of its members)")
        #expect(array?.isInvalidJSON == false && array?.description.hasPrefix("at byte 0: ") == true)
        #expect(Self.same(Self.whole(Array(" \n[1]".utf8)), Self.streamed(Array(" \n[1]".utf8))))
        #expect(Self.streamed(Array(" \n[1]".utf8)).error?.isInvalidJSON == false)
        #expect(Self.streamed(Array("<html>".utf8)).error?.description == "invalid JSON at byte 0: the response is not a JSON object")
    }

    @Test func everyTruncationAndByteFlipAgrees() {
        let bytes = Array(Self.sample.utf8)
        for cut in 0...bytes.count {
            let body = Array(bytes[..<cut])
            #expect(Self.same(Self.whole(body), Self.streamed(body)), "cut at \(cut)")
        }
        let replacements: [UInt8] = [0x00, 0x22, 0x2C, 0x5B, 0x5D, 0x7B, 0x7D, 0x3A, 0x20, 0x31, 0xFF, 0x5C]
        for position in bytes.indices {
            for replacement in replacements where replacement != bytes[position] {
                var body = bytes
                body[position] = replacement
                #expect(Self.same(Self.whole(body), Self.streamed(body)), "byte \(position) → \(replacement)")
            }
        }
    }

    /// With `Customers` deferred: the same errors, and the object plus the re-parsed deferred
    /// elements are the whole element.
    static func deferredAgrees(_ body: [UInt8]) -> Bool {
        pieceSizes.allSatisfy { deferredAgrees(body, pieceSize: $0) }
    }

    static func deferredAgrees(_ body: [UInt8], pieceSize: Int) -> Bool {
        let whole = Self.whole(body)
        var cursor = JSONEnvelopeCursor(reading: WholeBody(body, pieceSize: pieceSize), arrayKey: "Invoices", deferring: "customers")
        var elements: [JSONEnvelopeCursor.Element] = []
        do {
            while let element = try cursor.next() { elements.append(element) }
        } catch {
            guard let expected = whole.error else { return false }
            return expected.offset == error.offset && expected.reason == error.reason
        }
        guard whole.error == nil else { return false }
        guard let full = whole.elements else { return !cursor.foundArray }
        guard full.count == elements.count else { return false }
        for (element, (range, value, unreadable)) in zip(elements, full) {
            guard element.range == range, element.unreadable.map(describe) == unreadable else { return false }
            guard case .object(let object) = value, case .object(let shallow) = element.value else {
                if element.value != value || element.deferred != nil { return false }
                continue
            }
            let first = object.members.firstIndex { $0.key.lowercased() == "customers" }
            if let deferred = element.deferred {
                let ranges = deferred.elements
                guard let first, object.members[first].key == deferred.name,
                      case .array(let items) = object.members[first].value, items.count == ranges.count else { return false }
                var rest = object.members
                rest.remove(at: first)
                guard JSONObject(rest) == shallow else { return false }
                for (item, range) in zip(items, ranges) where (try? JSONParser.parse(element.raw, range: range)) != item { return false }
            } else {
                guard shallow == object else { return false }
                if let first, case .array = object.members[first].value { return false }
            }
        }
        return true
    }

    @Test func deferringCustomersReadsTheSameDocuments() {
        let bodies = [
            #"{"Invoices": [{"Header": {"InvoiceID": "1"}, "Customers": [{"a": 1}, {"b": [2, {"c": null}]}], "Totals": {}}]}"#,
            #"{"Invoices": [{"customers": null, "Customers": [{"a": 1}]}, {"CUSTOMERS": []}, {"x": 1}, 7]}"#,
            #"{"Invoices": [{"Customers": [1, "two", {"3": 3}], "Customers": [{"dup": true}]}]}"#,
        ]
        for body in bodies + [Self.sample] {
            #expect(Self.deferredAgrees(Array(body.utf8)), "\(body)")
        }
        let bytes = Array(bodies[0].utf8)
        for cut in 0...bytes.count {
            #expect(Self.deferredAgrees(Array(bytes[..<cut])), "cut at \(cut)")
        }
        for position in bytes.indices {
            for replacement: UInt8 in [0x22, 0x2C, 0x5B, 0x5D, 0x7B, 0x7D, 0xFF] where replacement != bytes[position] {
                var body = bytes
                body[position] = replacement
                #expect(Self.deferredAgrees(body), "byte \(position) → \(replacement)")
            }
        }
    }

    /// The validating skipper (used for deferred members) against the parser, on strings and
    /// numbers that exercise every check: raw UTF-8 around escapes, overlongs, surrogates.
    @Test func skippingValidatesExactlyLikeParsing() {
        let values: [[UInt8]] = [
            Array(#""plain""#.utf8), Array(#""Café €uro 😀""#.utf8), Array(#""a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00""#.utf8),
            [0x22, 0xC3, 0x5C, 0x75, 0x30, 0x30, 0x65, 0x39, 0xA9, 0x22],   // a raw lead byte, an escape, a raw continuation
            [0x22, 0xC3, 0xA9, 0x5C, 0x6E, 0xE2, 0x82, 0xAC, 0x22],          // valid runs around an escape
            [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0xFF, 0x22], [0x22, 0x80, 0x5C, 0x71, 0x22], [0x22, 0xC3, 0x01, 0x22],
            Array(#""\ud83d""#.utf8), Array(#""\ude00""#.utf8), Array(#""\ud83dx""#.utf8), Array(#""\u12g4""#.utf8), Array(#""\x""#.utf8),
            Array("\"a\tb\"".utf8), Array(#""unterminated"#.utf8), Array(#""\"#.utf8),
            Array("0".utf8), Array("-0.5e+10".utf8), Array("01".utf8), Array("1.".utf8), Array("1e".utf8), Array("-".utf8),
            Array("[1, [2, {\"a\": true}], null, false]".utf8), Array("{\"a\" 1}".utf8), Array("{\"a\": tru}".utf8), Array("[1,]".utf8),
        ]
        for value in values {
            for body in [Array(#"{"Invoices": [{"Customers": ["#.utf8) + value + Array("]}]}".utf8),
                         Array(#"{"Invoices": [{"Customers": [{"CompanyName": "#.utf8) + value + Array("}]}]}".utf8)] {
                #expect(Self.deferredAgrees(body), "\(String(decoding: value, as: UTF8.self))")
            }
        }
    }

    /// Whitespace between values is not part of any document: however much of it a body holds
    /// (here 4 MiB between documents, members and after the envelope), it must not pile up in
    /// the buffer, where it would escape the per-document limit.
    @Test func whitespaceBetweenValuesIsNotKept() throws {
        let gap = String(repeating: " \n\t\r", count: 1 << 20)
        let body = Array("\(gap){\(gap)\"Meta\": 1,\(gap)\"Invoices\":\(gap)[\(gap){\"a\": 1}\(gap),\(gap){\"b\": [2]}\(gap)]\(gap)}\(gap)".utf8)
        #expect(Self.same(Self.whole(body), Self.streamed(body, pieceSize: 64 << 10)))
        var cursor = JSONEnvelopeCursor(reading: WholeBody(body, pieceSize: 64 << 10), arrayKey: "Invoices")
        var largest = 0
        var elements = 0
        while try cursor.next() != nil {
            elements += 1
            largest = max(largest, cursor.buffer.count)
        }
        largest = max(largest, cursor.buffer.count)
        #expect(elements == 2)
        #expect(largest <= 128 << 10, "the buffer held \(largest) bytes of a body of \(body.count)")
    }

    /// A string no reader can use, inside a document whose brackets and quotes are sound, makes
    /// that document unreadable and leaves the others: a cut emoji (`\ud83d`), a byte of another
    /// encoding, a raw tab. Outside the documents it still fails the response.
    @Test func aBadStringSpoilsItsDocumentOnly() {
        for bad in [#""Caf\#u{FF}""#, #""emoji \ud83d""#, "\"a\tb\"", #""\udc00 low""#] {
            let text = #"{"Invoices": [{"n": 1}, {"Header": {"Name": \#(bad)}, "Customers": [{"x": \#(bad)}]}, {"n": 3}], "Meta": 2}"#
            // ÿ as the byte of another encoding (Swift would write it as UTF-8).
            func encoded(_ text: String) -> [UInt8] {
                var bytes = Array(text.utf8)
                while let marker = bytes.firstIndex(of: 0xC3), bytes[marker + 1] == 0xBF { bytes.replaceSubrange(marker...marker + 1, with: [0xFF]) }
                return bytes
            }
            let bytes = encoded(text)
            let (whole, streamed) = (Self.whole(bytes), Self.streamed(bytes))
            #expect(Self.same(whole, streamed), "\(bad)")
            #expect(Self.deferredAgrees(bytes), "\(bad)")
            let elements = streamed.elements ?? []
            #expect(elements.count == 3 && elements[0].2 == nil && elements[2].2 == nil && elements[1].1 == .null, "\(bad)")
            #expect(elements.count == 3 && String(decoding: bytes[elements[1].0], as: UTF8.self).hasPrefix(#"{"Header""#)
                    && bytes[elements[1].0].last == UInt8(ascii: "}"), "\(bad)")
            // In the envelope, not in a document: the response is refused as before.
            let outside = encoded(#"{"Meta": \#(bad), "Invoices": [{"n": 1}]}"#)
            #expect(Self.streamed(outside).error != nil && Self.same(Self.whole(outside), Self.streamed(outside)), "\(bad)")
        }
    }
}
