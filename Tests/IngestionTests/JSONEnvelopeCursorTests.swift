import Testing
@testable import Ingestion

/// The streaming envelope reader must accept, reject and cut exactly what the whole-body parser
/// does: same elements, same byte ranges, same error at the same offset.
@Suite struct JSONEnvelopeCursorTests {
    typealias Outcome = (elements: [(Range<Int>, JSONValue)]?, error: JSONParseError?)

    static func whole(_ body: [UInt8]) -> Outcome {
        do {
            return (try JSONParser.parseEnvelope(body, arrayKey: "Invoices")?.map { ($0.range, $0.value) }, nil)
        } catch { return (nil, error) }
    }

    static func streamed(_ body: [UInt8]) -> Outcome {
        var cursor = JSONEnvelopeCursor(body, arrayKey: "Invoices")
        var elements: [(Range<Int>, JSONValue)] = []
        do {
            while let element = try cursor.next() { elements.append((element.range, element.value)) }
            #expect(try cursor.next() == nil, "the cursor stays at its end")
            return (cursor.foundArray ? elements : nil, nil)
        } catch { return (nil, error) }
    }

    static func same(_ a: Outcome, _ b: Outcome) -> Bool {
        switch (a.error, b.error) {
        case let (x?, y?): return x.offset == y.offset && x.reason == y.reason
        case (nil, nil):
            guard let ea = a.elements, let eb = b.elements else { return a.elements == nil && b.elements == nil }
            return ea.count == eb.count && zip(ea, eb).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    static let sample = #"""
     { "Meta": {"page": 1, "x": [1, 2.50, "a\"b"]}, "invoices" : [ {"Header": {"InvoiceID": "I-1", "Total": 12.345678}},
       {"Header": {"InvoiceID": "I-2"}, "Customers": []} , [], null, "text" ], "Invoices": [ {"second": true} ],
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
        let elements = Self.streamed(Array(Self.sample.utf8)).elements
        #expect(elements?.count == 5, "the first matching array is the one read")
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
}
