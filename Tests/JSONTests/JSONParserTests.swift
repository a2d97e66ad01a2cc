import Testing
@testable import JSON

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func keepsNumberTextExactly() throws {
        let value = try parse(#"{"a": 0.1, "b": -12.345678, "c": 1E+2, "d": 12345678901234567890.000001}"#)
        let object = try #require(value.object)
        #expect(object["a"] == .number("0.1"))
        #expect(object["b"] == .number("-12.345678"))
        #expect(object["c"] == .number("1E+2"))
        #expect(object["d"] == .number("12345678901234567890.000001"))
    }

    @Test func lookupIgnoresCaseAndKeepsOrder() throws {
        let object = try #require(try parse(#"{"SubscriptionId": 1, "x": {"y": [true, null]}}"#).object)
        #expect(object["SubscriptionID"] == .number("1"))
        #expect(object["subscriptionid"] == .number("1"))
        #expect(object.members.map(\.key) == ["SubscriptionId", "x"])
    }

    @Test func decodesEscapesAndUnicode() throws {
        let value = try parse(#""a\"b\\c\nd \u00eb \u20ac \ud83d\ude00 ë""#)
        #expect(value == .string("a\"b\\c\nd ë € 😀 ë"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "\"abc", "{\"a\" 1}", "tru", "[1] 2", "\"\u{01}\"",
        #""\ud800""#, "NaN", "{'a': 1}",
    ])
    func refusesInvalidJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
    }

    @Test func envelopeGivesEachElementsExactBytes() throws {
        let text = #"{"Meta": {"x": [1]}, "invoices": [ {"a": 1} ,{"b" : "é"}], "Tail": null}"#
        let bytes = Array(text.utf8)
        let elements = try #require(try JSONParser.parseEnvelope(bytes, arrayKey: "Invoices"))
        #expect(elements.count == 2)
        #expect(String(decoding: bytes[elements[0].range], as: UTF8.self) == #"{"a": 1}"#)
        #expect(String(decoding: bytes[elements[1].range], as: UTF8.self) == #"{"b" : "é"}"#)
        #expect(try JSONParser.parseEnvelope(Array(#"{"other": []}"#.utf8), arrayKey: "Invoices") == nil)
    }
}
