import Foundation
import Testing
@testable import Ingestion

/// Redacting a body piece by piece gives exactly what redacting it whole gives, wherever the
/// pieces are cut: forms across a cut, next to each other, overlapping, at the very end.
@Suite struct StreamedRedactionTests {
    static let key = "copaco-key-0123456789"
    static let echo = CredentialEcho(VendorRequest(url: "http://127.0.0.1/", secretHeaders: [("Authorization", Secret("Basic \(key)"))]))

    static func streamed(_ body: [UInt8], pieces: [Int]) -> (bytes: [UInt8], redacted: Bool) {
        var redaction = StreamedRedaction(echo)
        var out: [UInt8] = []
        var start = 0
        var sizes = pieces.makeIterator()
        while start < body.count {
            let end = min(body.count, start + max(1, sizes.next() ?? 1))
            body[start..<end].withUnsafeBytes { out += redaction.feed($0) }
            start = end
        }
        out += redaction.finish()
        return (out, redaction.redacted)
    }

    @Test func theSameBytesAsRedactingWholeWhereverThePiecesAreCut() {
        let basicKey = "Basic \(Self.key)"
        let plants = [Self.key, basicKey, Self.key + Self.key, "copaco-key-01234", "Basic Basic \(Self.key)x", "<redacted>"]
        var random = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                body += (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
                body += Array(plants.randomElement(using: &random)!.utf8)
            }
            let whole = Self.echo.redacting(body)
            let pieces = (0..<64).map { _ in Int.random(in: 1...(round % 3 == 0 ? 3 : 40), using: &random) }
            let streamed = Self.streamed(body, pieces: pieces)
            #expect(streamed.bytes == whole, "\(String(decoding: body, as: UTF8.self)) in pieces \(pieces.prefix(8))")
            #expect(streamed.redacted == (whole != body))
        }
        let clean = Array("nothing to see here".utf8)
        #expect(Self.streamed(clean, pieces: [1]) == (clean, false))
    }

    /// The detect-only search over pieces agrees with `isEchoed` over the whole body.
    @Test func theSearchFindsWhatTheWholeBodyHoldsWhereverThePiecesAreCut() {
        let plants = [Self.key, "Basic \(Self.key)", "copaco-key-0123456788", "copaco-", "<redacted>"]
        var random = SystemRandomNumberGenerator()
        var found = 0
        for round in 0..<300 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                body += (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
                body += Array(plants.randomElement(using: &random)!.utf8)
            }
            var search = CredentialEcho.Search(Self.echo)
            var start = 0
            while start < body.count {
                let end = min(body.count, start + Int.random(in: 1...(round % 3 == 0 ? 3 : 40), using: &random))
                body[start..<end].withUnsafeBytes { search.feed($0) }
                start = end
            }
            let whole = Self.echo.isEchoed(in: body[...])
            #expect(search.found == whole, "\(String(decoding: body, as: UTF8.self))")
            if whole { found += 1 }
        }
        #expect(found > 50 && found < 300)
    }
}
