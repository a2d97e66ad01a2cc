import Foundation
import Ingestion
import JSON
import Testing
import Warehouse
@testable import Vendors

/// Bad input never crashes a decoder, never loses a good document and never slips through:
/// thousands of mutated responses (seeded, so a failure names the case that reproduces it) for
/// Copaco JSON and 2tCloud JSON and XML.
///
/// Per case, whatever the mutation:
/// - decoding returns or throws a `DocumentRejection` with a reason — nothing else, no trap;
/// - every rejected document has a reason, every accepted one a key, a date, a currency;
/// - every accepted document's raw bytes are a verbatim slice of the response;
/// - a body cut off before its end is rejected whole (never read as fewer documents).
/// For mutations inside one document of a response of three:
/// - the two others decode exactly as before, with their exact bytes;
/// - the mutated one is accepted or rejected with a reason — rejected, naming the field, when
///   the mutation breaks a rule (7+ decimals, huge amount, invalid date, missing required field).
@Suite struct DecoderFuzzTests {
    /// 1 200 per format and test in CI; `BILLWH_FUZZ_CASES=100000 swift test --filter DecoderFuzzTests` for a long run.
    static let casesPerFormat = ProcessInfo.processInfo.environment["BILLWH_FUZZ_CASES"].flatMap(Int.init) ?? 1_200

    enum Format: String, CaseIterable, Sendable {
        case copacoJSON, twotcloudJSON, twotcloudXML
    }

    let copaco = CopacoConnector(settings: .init(baseURL: "http://127.0.0.1:1", apiKey: Secret("k")))
    let twotcloud = TwoTCloudConnector(settings: .init(baseURL: "http://127.0.0.1:1", accountID: "1", apiKey: Secret("k")))

    func decode(_ body: [UInt8], _ format: Format) throws(DocumentRejection) -> [FetchedDocument] {
        switch format {
        case .copacoJSON: try copaco.decode(body, endpoint: CopacoConnector.invoices)
        case .twotcloudJSON, .twotcloudXML: try twotcloud.decode(body, endpoint: twotcloud.invoices)
        }
    }

    // MARK: The corpus

    /// A realistic invoice: 2 customers × 1 subscription × 2 price lines, every field the
    /// decoders read, some they do not.
    static func invoice(_ n: Int, random: inout FuzzRandom) -> JSONValue {
        func line(_ i: Int) -> JSONValue {
            let quantity = "\(1 + random.below(40))"
            let cents = random.below(1_000_000)
            return .object(JSONObject([
                ("LineId", .number("\(i)")), ("SKU", .string("CFQ7TTC0LH18:000\(i % 10)")),
                ("Description", .string(["Microsoft 365 E3", "Café € licence, \"Pro\"", "Azure plan\nusage"][i % 3])),
                ("Quantity", .number(quantity)), ("UnitPrice", .number("12.5")),
                ("ExtendedPrice", .number("\(cents / 100).\(String(format: "%02d", cents % 100))")),
                ("VAT", .number("2.625")), ("StartDate", .string("2026-10-01T00:00:00")), ("EndDate", .string("2026-10-31")),
                ("ChargeType", .string("Cycle Fee")), ("InvoiceRowHash", .string("h\(n)-\(i)")),
            ]))
        }
        var customers: [JSONValue] = []
        for c in 0..<2 {
            var subscriptions: [JSONValue] = []
            for s in 0..<1 {
                subscriptions.append(.object(JSONObject([
                    ("SubscriptionID", .number("\(900 + n * 10 + c * 2 + s)")), ("SubscriptionName", .string("Sub \(s)")),
                    ("PriceLines", .array([line(c * 4 + s * 2), line(c * 4 + s * 2 + 1)])),
                ])))
            }
            customers.append(.object(JSONObject([
                ("AccountID", .number("\(5000 + c)")), ("CustomerNumber", .string("00041\(c)")),
                ("CompanyName", .string(c == 0 ? "Müller & <Zoon>" : "Two BV")), ("Subscriptions", .array(subscriptions)),
            ])))
        }
        return .object(JSONObject([
            ("Header", .object(JSONObject([
                ("InvoiceID", .string("INV-\(n)")), ("Date", .string("2026-10-2\(n)T00:00:00")),
                ("Currency", .string("EUR")), ("Type", .string("Invoice")),
            ]))),
            ("Sender", .object(JSONObject([("CompanyName", .string("Copaco"))]))),
            ("Receiver", .object(JSONObject([("CustomerNumber", .string("R-1"))]))),
            ("Customers", .array(customers)),
            ("Totals", .object(JSONObject([("Total", .number("123.45"))]))),
        ]))
    }

    static func response(_ invoices: [[UInt8]], _ format: Format) -> [UInt8] {
        let xml = format == .twotcloudXML
        var out = Array((xml ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<InvoiceResponse>\n" : "{\"Count\": 3, \"Invoices\": [\n").utf8)
        out.reserveCapacity(invoices.reduce(200) { $0 + $1.count + 2 })
        for (i, invoice) in invoices.enumerated() {
            if i > 0 { out.append(contentsOf: xml ? [0x0A] : [0x2C, 0x0A]) }
            out.append(contentsOf: invoice)
        }
        out.append(contentsOf: Array((xml ? "\n</InvoiceResponse>\n" : "\n], \"Next\": null}").utf8))
        return out
    }

    static func serialize(_ value: JSONValue, _ format: Format) -> [UInt8] {
        format == .twotcloudXML ? FuzzXML.element("Invoice", value) : FuzzJSON.bytes(value)
    }

    // MARK: Mutations of one document

    /// What a mutation of one document must lead to.
    enum Expectation {
        /// Accepted or rejected with a reason; nothing else is known.
        case any
        /// Rejected, the reason containing each of these.
        case rejected([String])
        /// The response may be unreadable as a whole (deep nesting, bytes that are not UTF-8);
        /// if it is read, the others are intact.
        case mayBreakResponse
    }

    struct Mutation {
        var name: String
        var value: JSONValue
        var expectation: Expectation
        /// Bytes to splice in for a marker string (invalid UTF-8, which a Swift String cannot hold).
        var rawSplice: [UInt8]? = nil
    }

    static let marker = "\u{E000}FUZZ\u{E000}"

    /// All paths to leaves (and containers) of a JSON value.
    static func paths(_ value: JSONValue, _ prefix: [PathStep] = []) -> [[PathStep]] {
        var result: [[PathStep]] = [prefix]
        switch value {
        case .object(let o):
            for (i, m) in o.members.enumerated() { result += paths(m.value, prefix + [.member(i, m.key)]) }
        case .array(let a):
            for (i, v) in a.enumerated() { result += paths(v, prefix + [.index(i)]) }
        default: break
        }
        return result
    }

    enum PathStep: Equatable { case member(Int, String), index(Int) }

    static func update(_ value: JSONValue, at path: ArraySlice<PathStep>, _ change: (JSONValue?) -> JSONValue?) -> JSONValue? {
        guard let step = path.first else { return change(value) }
        switch (value, step) {
        case (.object(var o), .member(let i, _)):
            if let new = update(o.members[i].value, at: path.dropFirst(), change) { o.members[i].value = new } else { o.members.remove(at: i) }
            return .object(o)
        case (.array(var a), .index(let i)):
            if let new = update(a[i], at: path.dropFirst(), change) { a[i] = new } else { a.remove(at: i) }
            return .array(a)
        default:
            return value
        }
    }

    /// Paths whose last step is a member named `name` (any case).
    static func paths(named name: String, in value: JSONValue) -> [[PathStep]] {
        paths(value).filter { path in
            if case .member(_, let key)? = path.last { return key.lowercased() == name.lowercased() }
            return false
        }
    }

    static func mutate(_ invoice: JSONValue, paths everyPath: [[PathStep]], xml: Bool, random: inout FuzzRandom) -> Mutation {
        let all = everyPath.filter { !$0.isEmpty }
        func paths(_ value: JSONValue) -> [[PathStep]] { everyPath }
        func paths(named name: String, in value: JSONValue) -> [[PathStep]] {
            everyPath.filter { path in
                if case .member(_, let key)? = path.last { return key.lowercased() == name.lowercased() }
                return false
            }
        }
        func set(_ path: [PathStep], _ new: JSONValue?) -> JSONValue {
            update(invoice, at: path[...], { _ in new }) ?? invoice
        }
        func pick(_ name: String) -> [PathStep] { random.element(paths(named: name, in: invoice)) }
        switch random.below(16) {
        case 0:
            let v = random.element(["1.1234567", "0.0000001", "-12.12345678", "99.9999999"])
            return Mutation(name: "ExtendedPrice \(v)", value: set(pick("ExtendedPrice"), random.coin ? .number(v) : .string(v)),
                            expectation: .rejected(["ExtendedPrice", "more than 6 decimals"]))
        case 1:
            let v = random.element(["123456789012345678901234567890", "-99999999999999999999", "9223372036854.775808"])
            return Mutation(name: "ExtendedPrice \(v)", value: set(pick("ExtendedPrice"), .number(v)),
                            expectation: .rejected(["ExtendedPrice", "out of range"]))
        case 2:
            let v = random.element(["2026-02-30", "2026-13-01", "20261001", "yesterday", "0000-00-00", "2026-1-1", "2026-10-01X"])
            let field = random.element(["Date", "StartDate", "EndDate"])
            return Mutation(name: "\(field) \(v)", value: set(pick(field), .string(v)), expectation: .rejected([field, "not a date"]))
        case 3:
            let field = random.element(["Header", "InvoiceID", "Date", "Currency", "ExtendedPrice"])
            return Mutation(name: "without \(field)", value: set(pick(field), nil), expectation: .rejected([field, "missing"]))
        case 4:
            // A container where a value was, or the other way round.
            let field = random.element(["Header", "Customers", "Subscriptions", "PriceLines", "ExtendedPrice", "InvoiceID", "Date", "Quantity"])
            let wrong: JSONValue = random.element([.object(JSONObject([("a", .number("1"))])), .array([.number("1")]), .bool(true), .string("x"), .number("7")])
            return Mutation(name: "\(field) as \(wrong.kind)", value: set(pick(field), wrong), expectation: .any)
        case 5:
            let path = random.element(all)
            let wrong: JSONValue = random.element([.null, .bool(false), .number("-0"), .number("1e308"), .string(""), .array([]), .object(JSONObject([]))])
            return Mutation(name: "\(path.count)-deep value as \(wrong.kind)", value: set(path, wrong), expectation: .any)
        case 6:
            let depth = 1 + random.below(300)
            var deep: JSONValue = .number("1")
            for d in 0..<depth { deep = d % 2 == 0 ? .array([deep]) : .object(JSONObject([("n", deep)])) }
            let objects = paths(invoice).filter { p in p.isEmpty || { if case .object = value(invoice, at: p) { true } else { false } }() }
            let target = random.element(objects)
            let nested = update(invoice, at: target[...]) { v in
                guard case .object(var o)? = v else { return v }
                o.members.insert(("Nested", deep), at: random.below(o.members.count + 1))
                return .object(o)
            } ?? invoice
            // XML spends two elements on an array (wrapper, item).
            let levels = (xml ? 2 * depth : depth) + 2 * target.count + 3
            return Mutation(name: "nesting \(depth) deep", value: nested, expectation: levels > 250 ? .mayBreakResponse : .any)
        case 7:
            let field = random.element(["CompanyName", "Description", "SKU", "InvoiceID", "CustomerNumber"])
            let bytes = random.element([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]] as [[UInt8]])
            return Mutation(name: "\(field) with bytes \(bytes) that are not UTF-8", value: set(pick(field), .string("a" + marker + "b")),
                            expectation: .mayBreakResponse, rawSplice: bytes)
        case 8:
            let v = random.element(["12,50", "1.000,50", "€12", "1e3", "0x10", "+5", ".5", "5.", "NaN", "Infinity", " 1", ""])
            return Mutation(name: "ExtendedPrice \"\(v)\"", value: set(pick("ExtendedPrice"), .string(v)), expectation: .any)
        case 9:
            let v = random.element(["EURO", "eur", "", "€", "US", "E1R"])
            return Mutation(name: "Currency \(v)", value: set(pick("Currency"), .string(v)), expectation: .rejected(["Currency"]))
        case 10:
            let v = random.element(["1.1234567891234", "-0.5", "1e2", "abc", "12345678901234567890.5"])
            let asNumber = v != "abc" && random.coin  // only valid JSON numbers as numbers
            return Mutation(name: "Quantity \(v)", value: set(pick("Quantity"), asNumber ? .number(v) : .string(v)), expectation: .any)
        case 11:
            // Unknown members anywhere, including names differing only in case from known ones.
            let target = random.element(paths(invoice).filter { p in if case .object = value(invoice, at: p) { true } else { false } })
            let name = random.element(["Unknown", "extendedprice", "HEADER", "Customers", "\u{0}", "😀", ""])
            let added = update(invoice, at: target[...]) { v in
                guard case .object(var o)? = v else { return v }
                o.members.append((name, random.element([.null, .number("1"), .string("x"), .array([])])))
                return .object(o)
            } ?? invoice
            // Not an XML name: the XML response is not well-formed any more.
            let wellFormed = !xml || name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }
            return Mutation(name: "extra member \(name.debugDescription)", value: added, expectation: name.isEmpty || !wellFormed ? .mayBreakResponse : .any)
        case 12:
            let field = random.element(["Customers", "Subscriptions", "PriceLines"])
            return Mutation(name: "\(field) empty", value: set(pick(field), random.coin ? .array([]) : .null), expectation: .any)
        case 13:
            let s = random.element(["\u{0}", "\u{1F}", "\u{FEFF}", "😀\u{200D}👩", "\\\"/", String(repeating: "x", count: 10_000), "</Invoice>", "<![CDATA[x]]>", "&amp;&lt;"])
            let field = random.element(["CompanyName", "Description", "SKU", "SubscriptionName"])
            // C0 controls are not XML characters at all.
            let xmlChars = s.unicodeScalars.allSatisfy { $0.value >= 0x20 || [0x09, 0x0A, 0x0D].contains($0.value) }
            return Mutation(name: "\(field) text \(s.prefix(20).debugDescription)", value: set(pick(field), .string(s)),
                            expectation: xml && !xmlChars ? .mayBreakResponse : .any)
        case 14:
            // Reordered members.
            let target = random.element(paths(invoice).filter { p in if case .object = value(invoice, at: p) { true } else { false } })
            let shuffled = update(invoice, at: target[...]) { v in
                guard case .object(var o)? = v else { return v }
                o.members.reverse()
                return .object(o)
            } ?? invoice
            return Mutation(name: "members reversed", value: shuffled, expectation: .any)
        default:
            // A whole document that is not an invoice object.
            let v: JSONValue = random.element([.array([]), .string("INV"), .number("1"), .null, .object(JSONObject([]))])
            return Mutation(name: "the document as \(v.kind)", value: v, expectation: .rejected([]))
        }
    }

    static func value(_ root: JSONValue, at path: [PathStep]) -> JSONValue? {
        var current: JSONValue? = root
        for step in path {
            switch (current, step) {
            case (.object(let o)?, .member(let i, _)): current = o.members[i].value
            case (.array(let a)?, .index(let i)): current = a[i]
            default: return nil
            }
        }
        return current
    }

    // MARK: The properties

    func checkEveryDocument(_ documents: [FetchedDocument], body: [UInt8], label: String) {
        for document in documents {
            switch document.result {
            case .success(let decoded):
                #expect(!decoded.key.isEmpty && decoded.currency.utf8.count == 3, "\(label)")
            case .failure(let rejection):
                #expect(!rejection.reason.isEmpty, "\(label)")
            }
            #expect(isSlice(document.raw, of: body), "\(label): raw bytes not a slice of the response")
        }
    }

    @Test(arguments: Format.allCases) func mutatedDocumentsAreRejectedAloneWithAReason(format: Format) throws {
        var random = FuzzRandom(seed: 0xB111_0000 + UInt64(format.rawValue.count))
        var counts: [String: Int] = [:]
        var corpusRandom = FuzzRandom(seed: 42)
        let invoices = (0..<3).map { Self.invoice($0, random: &corpusRandom) }
        let texts = invoices.map { Self.serialize($0, format) }
        let baseline = try decode(Self.response(texts, format), format).map { try $0.result.get() }
        let everyPath = invoices.map { Self.paths($0) }
        for number in 0..<Self.casesPerFormat {
            let caseSeed = random.next()
            var local = FuzzRandom(seed: caseSeed)
            let target = local.below(3)
            let mutation = Self.mutate(invoices[target], paths: everyPath[target], xml: format == .twotcloudXML, random: &local)
            var mutated = texts
            mutated[target] = Self.serialize(mutation.value, format)
            if let splice = mutation.rawSplice, let range = mutated[target].firstRange(of: Array(Self.marker.utf8)) {
                mutated[target].replaceSubrange(range, with: splice)
            }
            let body = Self.response(mutated, format)
            let label = "\(format) case \(number) (seed \(caseSeed)): \(mutation.name)"

            let documents: [FetchedDocument]
            do {
                documents = try decode(body, format)
            } catch {
                #expect(!error.reason.isEmpty)
                guard case .mayBreakResponse = mutation.expectation else {
                    Issue.record("\(label): the whole response was rejected: \(error.reason)")
                    continue
                }
                counts["response rejected", default: 0] += 1
                continue
            }
            checkEveryDocument(documents, body: body, label: label)
            guard documents.count == 3 else {
                Issue.record("\(label): \(documents.count) documents")
                continue
            }
            for other in 0..<3 where other != target {
                #expect(documents[other].raw == texts[other], "\(label): document \(other) changed bytes")
                #expect((try? documents[other].result.get()) == baseline[other], "\(label): document \(other) decodes differently")
            }
            switch (mutation.expectation, documents[target].result) {
            case (.rejected(let needles), .failure(let rejection)):
                for needle in needles {
                    #expect(rejection.reason.contains(needle), "\(label): \(rejection.reason)")
                }
                counts["rejected as expected", default: 0] += 1
            case (.rejected, .success):
                Issue.record("\(label): accepted")
            case (_, .failure):
                counts["rejected", default: 0] += 1
            case (_, .success):
                counts["accepted", default: 0] += 1
            }
        }
        #expect(counts["rejected as expected", default: 0] > Self.casesPerFormat / 4)
        print("DecoderFuzz \(format): \(Self.casesPerFormat) mutated documents: \(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
    }

    /// Byte-level damage to a whole response: cut off, bytes flipped, inserted, deleted,
    /// swapped. A cut-off body is rejected whole; anything else only must not crash, and what
    /// is accepted is a verbatim slice with a key.
    @Test(arguments: Format.allCases) func damagedResponsesNeverCrashNorLoseTheirEnd(format: Format) throws {
        var random = FuzzRandom(seed: 0xDA4A_6E00 + UInt64(format.rawValue.count))
        var seedRandom = FuzzRandom(seed: 7)
        let invoices = (0..<3).map { Self.invoice($0, random: &seedRandom) }
        let whole = Self.response(invoices.map { Self.serialize($0, format) }, format)
        #expect(try decode(whole, format).allSatisfy { (try? $0.result.get()) != nil })
        let closing = format == .twotcloudXML ? Array("</InvoiceResponse>".utf8) : Array("}".utf8)
        let end = whole.lastRange(of: closing)!.lowerBound
        var counts: [String: Int] = [:]
        for number in 0..<Self.casesPerFormat {
            var body = whole
            let kind = random.below(5)
            switch kind {
            case 0: body = Array(body.prefix(random.below(end)))
            case 1: for _ in 0...random.below(5) { body[random.below(body.count)] ^= UInt8(1 << random.below(8)) }
            case 2: for _ in 0...random.below(5) { body.insert(UInt8(random.below(256)), at: random.below(body.count)) }
            case 3: for _ in 0...random.below(5) where !body.isEmpty { body.remove(at: random.below(body.count)) }
            default:
                let a = random.below(body.count), b = random.below(body.count)
                let (lo, hi) = (min(a, b), max(a, b))
                let cut = Array(body[lo..<hi])
                body.removeSubrange(lo..<hi)
                body.insert(contentsOf: cut.reversed(), at: random.below(body.count + 1))
            }
            let label = "\(format) damage case \(number) kind \(kind)"
            do {
                let documents = try decode(body, format)
                #expect(kind != 0, "\(label): a cut-off body was read as \(documents.count) documents")
                checkEveryDocument(documents, body: body, label: label)
                counts["read", default: 0] += 1
                counts["documents rejected", default: 0] += documents.filter { if case .failure = $0.result { true } else { false } }.count
            } catch {
                #expect(!error.reason.isEmpty)
                counts["response rejected", default: 0] += 1
            }
        }
        print("DecoderFuzz \(format) damaged bodies: \(Self.casesPerFormat): \(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
    }

    /// Hostile shapes of the whole response, each a rejection with a reason.
    @Test func hostileResponsesAreRejectedWhole() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepXML = "<InvoiceResponse>" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000) + "</InvoiceResponse>"
        let cases: [(String, Format)] = [
            ("{\"Invoices\": \(deep)}", .copacoJSON),
            ("{\"Invoices\": [\(deep)]}", .twotcloudJSON),
            (deepXML, .twotcloudXML),
            ("<!DOCTYPE lol [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><InvoiceResponse>&b;</InvoiceResponse>", .twotcloudXML),
            ("<InvoiceResponse><Invoice><Header><InvoiceID>&bogus;</InvoiceID></Header></Invoice></InvoiceResponse>", .twotcloudXML),
            ("[]", .copacoJSON),
            ("", .copacoJSON),
            ("\u{FEFF}{\"Invoices\": []}x", .twotcloudJSON),
            ("{\"Invoices\": [1, 2], \"Invoices\": }", .copacoJSON),
            ("<html><body>502 Bad Gateway</body></html>", .twotcloudXML),
            ("<InvoiceResponse><Invoice>", .twotcloudXML),
        ]
        for (text, format) in cases {
            do {
                let documents = try decode(Array(text.utf8), format)
                // Readable after all: then nothing in it may count as a document.
                #expect(documents.allSatisfy { if case .failure = $0.result { true } else { false } }, "\(text.prefix(60))")
            } catch {
                #expect(!error.reason.isEmpty, "\(text.prefix(60))")
            }
        }
    }
}

// MARK: - Helpers

func isSlice(_ part: [UInt8], of whole: [UInt8]) -> Bool {
    part.isEmpty || Data(whole).range(of: Data(part)) != nil
}

/// Over SplitMix64: the same draws on every machine, so a failing case is reproducible by its seed.
struct FuzzRandom {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { rng.next() }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func element<T>(_ items: [T]) -> T { items[below(items.count)] }
    var coin: Bool { mutating get { next() & 1 == 0 } }
}

enum FuzzJSON {
    static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, &out)
        return out
    }

    static func write(_ value: JSONValue, _ out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.utf8)
        case .string(let s): string(s, &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, member) in o.members.enumerated() {
                if i > 0 { out += Array(", ".utf8) }
                string(member.key, &out)
                out += Array(": ".utf8)
                write(member.value, &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func string(_ s: String, _ out: inout [UInt8]) {
        out.append(0x22)
        for byte in s.utf8 {
            switch byte {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case ..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}

/// 2tCloud's XML shape of the same tree: lists as wrapper elements with one child per item
/// (`<Customers><Customer>…`), empty text as a self-closing element.
enum FuzzXML {
    static let itemNames = ["Invoices": "Invoice", "Customers": "Customer", "Subscriptions": "Subscription",
                            "PriceLines": "PriceLine", "SubscriptionDetails": "SubscriptionDetail"]

    static func element(_ name: String, _ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(name, value, &out)
        return out
    }

    static func write(_ name: String, _ value: JSONValue, _ out: inout [UInt8]) {
        // Names that are not XML names (empty, control characters) are written as such: bad input.
        switch value {
        case .null:
            out += Array("<\(name) />".utf8)
        case .bool(let b):
            out += Array("<\(name)>\(b)</\(name)>".utf8)
        case .number(let n):
            out += Array("<\(name)>\(n)</\(name)>".utf8)
        case .string(let s):
            if s.isEmpty { out += Array("<\(name) />".utf8); return }
            out += Array("<\(name)>".utf8)
            escape(s, &out)
            out += Array("</\(name)>".utf8)
        case .array(let items):
            out += Array("<\(name)>".utf8)
            let item = itemNames[name] ?? "Item"
            for v in items { write(item, v, &out) }
            out += Array("</\(name)>".utf8)
        case .object(let o):
            out += Array("<\(name)>".utf8)
            for member in o.members { write(member.key, member.value, &out) }
            out += Array("</\(name)>".utf8)
        }
    }

    static func escape(_ s: String, _ out: inout [UInt8]) {
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            default: out.append(byte)
            }
        }
    }
}
