import JSON
import Testing
@testable import Ingestion

/// A credential echoed in an answer is found however the vendor's writer escaped it: the
/// document's text, once decoded, would hold the key itself.
@Suite struct CredentialEchoTests {
    static let key = "Zx9/Qk+Lm42pR7tW/secret\"KEY=="
    static let echo = CredentialEcho(VendorRequest(url: "http://127.0.0.1/", secretHeaders: [("X-Api-Key", Secret(key))]))

    /// The key as JSON writers put it in a string: .NET (`+`, `"` as \uXXXX), PHP (`/` as `\/`),
    /// Go, one that escapes everything but letters and digits, and any writer's `\"`.
    static let written = [
        #"Zx9/Qk\u002BLm42pR7tW/secret\u0022KEY=="#,
        #"Zx9\/Qk+Lm42pR7tW\/secret\"KEY=="#,
        #"Zx9/Qk+Lm42pR7tW/secret\"KEY=="#,
        #"Zx9\u002fQk\u002bLm42pR7tW\u002fsecret\u0022KEY\u003d\u003d"#,
        #"Zx9\u002FQk\u002BLm42pR7tW\u002Fsecret\u0022KEY\u003D\u003D"#,
    ]

    @Test func jsonEscapedFormsAreFoundAndRedacted() throws {
        for form in Self.written {
            let document = Array(#"{"Description":"licence for \#(form) (copy)","Amount":1}"#.utf8)
            // What the decoder would store: the key itself.
            let value = try JSONParser.parse(document)
            #expect(value.object?["Description"] == .string("licence for \(Self.key) (copy)"), "\(form)")
            #expect(Self.echo.isEchoed(in: document[...]), "\(form)")
            let redacted = String(decoding: Self.echo.redacting(document), as: UTF8.self)
            #expect(redacted == #"{"Description":"licence for <redacted> (copy)","Amount":1}"#, "\(form)")
            #expect(HTTPFetcher.redact("HTTP 400: bad key \(form)", secrets: [("X-Api-Key", Secret(Self.key))]) == "HTTP 400: bad key <redacted>")
        }
    }

    @Test func xmlEntitiesAreFound() {
        let echo = CredentialEcho(VendorRequest(url: "http://127.0.0.1/", secretHeaders: [("Authorization", Secret("Basic a<b&c'd\"e"))]))
        let document = Array("<Invoice><Note>Basic a&lt;b&amp;c&apos;d&quot;e</Note></Invoice>".utf8)
        #expect(echo.isEchoed(in: document[...]))
        #expect(String(decoding: echo.redacting(document), as: UTF8.self) == "<Invoice><Note><redacted></Note></Invoice>")
    }

    @Test func anOrdinaryDocumentIsNotAnEcho() {
        let document = Array(#"{"Description":"Zx9 Qk Lm42pR7tW secret KEY","Amount":1}"#.utf8)
        #expect(!Self.echo.isEchoed(in: document[...]))
        #expect(Self.echo.redacting(document) == document)
    }
}
