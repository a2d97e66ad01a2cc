import Ingestion
import JSON
import Testing
import Warehouse
@testable import VendorSandbox
@testable import Vendors

/// The vendor contracts let one response be spelled many ways: members in any order and any
/// letter case, unknown members at any level (the envelope's too), any JSON whitespace, letters
/// written as `\u` escapes, a byte-order mark before the body. Every spelling of a sandbox
/// response must give the same documents and lines as the plain one, each document's raw bytes
/// cut verbatim out of the spelling that arrived.
@Suite struct RespelledResponseTests {
    /// Writes a JSON value as another vendor (or another version of one) might.
    struct Respelling {
        var random: FuzzRandom
        var out: [UInt8] = []

        static let decoyName = "XRespelled"

        init(seed: UInt64) { random = FuzzRandom(seed: seed) }

        static func bytes(_ value: JSONValue, seed: UInt64) -> [UInt8] {
            var spelling = Respelling(seed: seed)
            // Odd seeds open the body with a byte-order mark.
            if seed % 2 == 1 { spelling.out += [0xEF, 0xBB, 0xBF] }
            spelling.space()
            spelling.write(value, depth: 0)
            spelling.space()
            return spelling.out
        }

        mutating func space() {
            for _ in 0..<random.below(4) { out.append(random.element([0x20, 0x09, 0x0A, 0x0D])) }
        }

        /// `decoys`: whether objects get an unknown member (not those of the decoys themselves).
        mutating func write(_ value: JSONValue, depth: Int, decoys: Bool = true) {
            switch value {
            case .null: out += Array("null".utf8)
            case .bool(let b): out += Array((b ? "true" : "false").utf8)
            case .number(let text): out += Array(text.utf8)
            case .string(let text): string(text, isName: false)
            case .array(let items):
                out.append(UInt8(ascii: "["))
                for (i, item) in items.enumerated() {
                    space()
                    if i > 0 { out.append(UInt8(ascii: ",")); space() }
                    write(item, depth: depth + 1, decoys: decoys)
                }
                space()
                out.append(UInt8(ascii: "]"))
            case .object(let object):
                var members = object.members
                for i in members.indices.reversed() where i > 0 { members.swapAt(i, random.below(i + 1)) }
                // Unknown to every connector, and holding names they do know.
                let decoy: JSONValue = .object(JSONObject([
                    ("Invoices", .array([.number("1"), .object(JSONObject([("Customers", .array([]))]))])),
                    ("PriceLines", .null), ("Level", .number("\(depth)")),
                ]))
                if decoys { members.insert((key: Self.decoyName, value: decoy), at: random.below(members.count + 1)) }
                out.append(UInt8(ascii: "{"))
                for (i, member) in members.enumerated() {
                    space()
                    if i > 0 { out.append(UInt8(ascii: ",")); space() }
                    string(member.key, isName: true)
                    space()
                    out.append(UInt8(ascii: ":"))
                    space()
                    write(member.value, depth: depth + 1, decoys: decoys && member.key != Self.decoyName)
                }
                space()
                out.append(UInt8(ascii: "}"))
            }
        }

        /// Names change letter case; any ASCII letter or digit may come as a `\u` escape (in
        /// either case of hex digit) and `/` as `\/`, in names and values alike.
        mutating func string(_ text: String, isName: Bool) {
            out.append(0x22)
            for var byte in text.utf8 {
                let isLetter = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                if isName, isLetter, random.coin { byte ^= 0x20 }
                if isLetter || (0x30...0x39).contains(byte), random.below(4) == 0 {
                    escape(byte, upperCase: random.coin)
                    continue
                }
                switch byte {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x2F where random.coin: out += Array(#"\/"#.utf8)
                case ..<0x20: escape(byte, upperCase: false)
                default: out.append(byte)
                }
            }
            out.append(0x22)
        }

        mutating func escape(_ byte: UInt8, upperCase: Bool) {
            let digits = Array((upperCase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
            out += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
        }
    }

    /// Every sandbox response of both vendors' JSON, plain and respelled under several seeds,
    /// through the streamed decoder under every rule set.
    @Test func everySpellingOfAResponseGivesTheSameLines() throws {
        let copaco = CopacoSandboxData.generate(seed: 11, from: "2025-11-01", to: "2026-02-28", customers: 6)
        let twotcloud = TwoTCloudSandboxData.generate(seed: 11, from: "2025-11-01", to: "2026-02-28", customers: 6)
        var bodies: [(String, [UInt8])] = []
        for endpoint in CopacoEndpoint.allCases {
            let body = InvoiceRenderer.responseChunks(copaco.documents(endpoint), dialect: .copaco, options: .init(seed: 11)).flatMap { $0 }
            bodies.append(("copaco \(endpoint.rawValue)", body))
        }
        for endpoint in TwoTCloudEndpoint.allCases {
            let body = TwoTCloudRenderer.responseChunks(twotcloud.documents(endpoint), format: .json, options: .init(seed: 11)).flatMap { $0 }
            bodies.append(("2tcloud \(endpoint.rawValue)", body))
        }
        var lines = 0
        for (label, plain) in bodies {
            let tree = try JSONParser.parse(plain)
            for rules in LineDecoderAgreementTests.ruleSets {
                let expected = LineDecoderAgreementTests.decode(plain, rules, .spans)
                #expect(expected.responseRejection == nil, "\(label): \(expected)")
                lines += expected.documents.reduce(0) { $0 + ((try? $1.result.get())?.lines.count ?? 0) }
                for seed in 1...3 as ClosedRange<UInt64> {
                    let respelled = Respelling.bytes(tree, seed: seed)
                    #expect(respelled != plain)
                    let outcome = LineDecoderAgreementTests.decode(respelled, rules, .spans)
                    #expect(outcome.responseRejection == nil, "\(label), seed \(seed): \(outcome)")
                    #expect(outcome.documents.count == expected.documents.count, "\(label), seed \(seed)")
                    for (got, want) in zip(outcome.documents, expected.documents) {
                        #expect(got.result == want.result, "\(label), seed \(seed), under \(rules)")
                        #expect(got.keyHint == want.keyHint)
                        #expect(isSlice(got.raw, of: respelled) && got.raw.first == UInt8(ascii: "{"), "\(label), seed \(seed): raw bytes")
                    }
                }
            }
        }
        // Not a vacuous agreement.
        #expect(lines > 1_000)
    }
}
