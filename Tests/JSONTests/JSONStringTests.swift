import Foundation
import Testing
import JSON

/// The package's one JSON string escaper.
@Suite struct JSONStringTests {
    func json(_ text: String) -> String {
        var out: [UInt8] = []
        JSONString.append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func jsonEscaping() throws {
        #expect(json("plain") == "\"plain\"")
        #expect(json("q\"b\\") == "\"q\\\"b\\\\\"")
        #expect(json("n\nr\rt\tb\u{8}f\u{C}") == "\"n\\nr\\rt\\tb\\bf\\f\"")
        #expect(json("\u{1}\u{1F}") == "\"\\u0001\\u001f\"")
        #expect(json("€ ë /") == "\"€ ë /\"")
        // Invalid UTF-8 becomes U+FFFD instead of breaking the JSON.
        var out: [UInt8] = []
        [0x61, 0xFF, 0x62].withUnsafeBufferPointer { JSONString.append($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "\"a\u{FFFD}b\"")
        let decoded = try JSONDecoder().decode(String.self, from: Data(json("x\u{0}\"\\\n€").utf8))
        #expect(decoded == "x\u{0}\"\\\n€")
    }

    @Test func quotedIsTheSameText() {
        for text in ["", "plain", "q\"b\\", "\u{1}\n€"] { #expect(JSONString.quoted(text) == json(text)) }
    }
}
