import Ingestion
import JSON
import Testing
import Warehouse
@testable import VendorSandbox
@testable import Vendors

/// Ingestion reads a streamed document's customers straight from their bytes (`CustomerSpans`);
/// the tree decoder it replaced stays as the reference. On every sandbox response (plain,
/// mutated, corrupted, drifted) and on the decoder fuzz corpus (mutated documents and damaged
/// bodies), under every rule set, both must give the same documents, bytes, lines, rejections
/// (to the letter) and field census.
@Suite struct LineDecoderAgreementTests {
    /// The rule sets the connectors use: Copaco's, 2tCloud's, 2tCloud's cross-check, and the rest.
    static let ruleSets: [(InvoiceSkeleton.CustomerKeyRule, InvoiceSkeleton.LineAmount)] = [
        (.customerNumber, .extendedPrice), (.accountID, .extendedPrice), (.accountID, .bestEffort), (.customerNumber, .bestEffort),
    ]

    /// What a decoder made of a response: every document (or the response's rejection) and the census.
    struct Outcome: Equatable, CustomStringConvertible {
        var documents: [Document] = []
        var responseRejection: DocumentRejection?
        var census: [String] = []

        struct Document: Equatable {
            var raw: [UInt8]
            var keyHint: String?
            var result: Result<DecodedDocument, DocumentRejection>
        }

        var description: String {
            let documents = documents.map { document in
                switch document.result {
                case .success(let decoded): "\(decoded.key): \(decoded.lines.count) lines"
                case .failure(let rejection): "rejected: \(rejection.reason)"
                }
            }
            return "\(responseRejection?.reason ?? "read"); \(documents); census \(census)"
        }
    }

    static func decode(_ body: [UInt8], _ rules: (InvoiceSkeleton.CustomerKeyRule, InvoiceSkeleton.LineAmount),
                       _ reading: InvoiceSkeleton.CustomerReading) -> Outcome {
        let skeletonRules = InvoiceSkeleton.Rules(customerKey: rules.0, amount: rules.1, customers: reading)
        var outcome = Outcome()
        do {
            let documents = try InvoiceSkeleton.streamResponse(WholeBody(body), rules: skeletonRules).collect()
            outcome.documents = documents.map { Outcome.Document(raw: $0.raw, keyHint: $0.keyHint, result: $0.result) }
        } catch {
            outcome.responseRejection = error
        }
        outcome.census = skeletonRules.census.paths.map { "\($0.path) ×\($0.documents)" }.sorted()
        return outcome
    }

    /// The census counted without the stream's memos: each document's whole tree walked on its
    /// own (what the census is for accepted and rejected documents alike), paths spelled as the
    /// documents spell them. Nil when the response does not parse.
    static func referenceCensus(_ body: [UInt8]) -> [String]? {
        guard case .object(let response)? = try? JSONParser.parse(body),
              case .array(let documents)? = response.members.first(where: { asciiCaseInsensitiveEquals($0.key, "Invoices") })?.value
        else { return nil }
        let census = FieldCensus()
        for document in documents { census.add(DocumentFields.of(document, at: InvoiceSkeleton.documentPath)) }
        return census.paths.map { "\($0.path) ×\($0.documents)" }.sorted()
    }

    /// Both decoders under every rule set; returns how many documents the spans decoder accepted.
    @discardableResult
    static func expectAgreement(_ body: [UInt8], _ label: @autoclosure () -> String) -> Int {
        var accepted = 0
        let reference = referenceCensus(body)
        for rules in ruleSets {
            let spans = decode(body, rules, .spans)
            let tree = decode(body, rules, .tree)
            #expect(spans == tree, "\(label()) under \(rules): spans decoder \(spans) but tree decoder \(tree)")
            if let reference, spans.responseRejection == nil {
                let census = spans.census
                #expect(census == reference, "\(label()) under \(rules): census \(census.filter { !reference.contains($0) }), each document on its own \(reference.filter { !census.contains($0) })")
            }
            accepted += spans.documents.filter { if case .success = $0.result { true } else { false } }.count
        }
        return accepted
    }

    // MARK: The sandbox's responses

    static let variants: [(String, InvoiceRenderer.Options)] = {
        let drifts: [SandboxDrift] = [
            .renameKey(from: "PriceLines", to: "PriceLineItems"), .renameKey(from: "Subscriptions", to: "subscriptions"),
            .renameKey(from: "ExtendedPrice", to: "LinePrice"), .dropKey("SKU"), .dropKey("SubscriptionID"),
            .dropKey("Customers"), .upperCaseKeys, .extraFields, .totalsOff,
        ]
        var variants: [(String, InvoiceRenderer.Options)] = [
            ("plain", .init(seed: 7)),
            ("mutated", .init(seed: 7, mutateFields: true)),
            ("mutated with extra fields", .init(seed: 7, mutateFields: true, drift: [.extraFields])),
        ]
        variants += drifts.map { ("drift \($0)", .init(seed: 7, drift: [$0])) }
        return variants
    }()

    @Test func everySandboxResponseDecodesTheSameBothWays() {
        let copaco = CopacoSandboxData.generate(seed: 7, from: "2025-11-01", to: "2026-02-28", customers: 6)
        let twotcloud = TwoTCloudSandboxData.generate(seed: 7, from: "2025-11-01", to: "2026-02-28", customers: 6)
        var accepted = 0
        for (name, base) in Self.variants {
            for endpoint in CopacoEndpoint.allCases {
                let documents = copaco.documents(endpoint)
                var options = base
                options.corrupt = documents.count > 2 ? [documents[1].invoiceID: .badAmount, documents[2].invoiceID: .missingHeader] : [:]
                let body = InvoiceRenderer.responseChunks(documents, dialect: .copaco, options: options).flatMap { $0 }
                accepted += Self.expectAgreement(body, "copaco \(endpoint.rawValue) \(name)")
            }
            for endpoint in TwoTCloudEndpoint.allCases {
                let documents = twotcloud.documents(endpoint)
                var options = base
                options.corrupt = documents.count > 1 ? [documents[1].invoiceID: .badAmount] : [:]
                let body = TwoTCloudRenderer.responseChunks(documents, format: .json, options: options).flatMap { $0 }
                accepted += Self.expectAgreement(body, "2tcloud \(endpoint.rawValue) \(name)")
            }
        }
        // Not a vacuous agreement: most documents decode.
        #expect(accepted > 500)
    }

    // MARK: The fuzz corpus

    @Test(arguments: [DecoderFuzzTests.Format.copacoJSON, .twotcloudJSON])
    func mutatedDocumentsDecodeTheSameBothWays(format: DecoderFuzzTests.Format) {
        var random = FuzzRandom(seed: 0xA64E_0000 + UInt64(format.rawValue.count))
        var corpusRandom = FuzzRandom(seed: 42)
        let invoices = (0..<3).map { DecoderFuzzTests.invoice($0, random: &corpusRandom) }
        let texts = invoices.map { DecoderFuzzTests.serialize($0, format) }
        let everyPath = invoices.map { DecoderFuzzTests.paths($0) }
        var rejected = 0
        for number in 0..<DecoderFuzzTests.casesPerFormat {
            let caseSeed = random.next()
            var local = FuzzRandom(seed: caseSeed)
            let target = local.below(3)
            let mutation = DecoderFuzzTests.mutate(invoices[target], paths: everyPath[target], xml: false, random: &local)
            var mutated = texts
            mutated[target] = DecoderFuzzTests.serialize(mutation.value, format)
            if let splice = mutation.rawSplice, let range = mutated[target].firstRange(of: Array(DecoderFuzzTests.marker.utf8)) {
                mutated[target].replaceSubrange(range, with: splice)
            }
            let accepted = Self.expectAgreement(DecoderFuzzTests.response(mutated, format),
                                                "\(format) case \(number) (seed \(caseSeed)): \(mutation.name)")
            if accepted < 3 * Self.ruleSets.count { rejected += 1 }
        }
        // The corpus reaches the rejections, not only the happy path.
        #expect(rejected > DecoderFuzzTests.casesPerFormat / 4)
    }

    @Test(arguments: [DecoderFuzzTests.Format.copacoJSON, .twotcloudJSON])
    func damagedBodiesDecodeTheSameBothWays(format: DecoderFuzzTests.Format) {
        var random = FuzzRandom(seed: 0xA64E_DA4A + UInt64(format.rawValue.count))
        var seedRandom = FuzzRandom(seed: 7)
        let whole = DecoderFuzzTests.response((0..<3).map { DecoderFuzzTests.serialize(DecoderFuzzTests.invoice($0, random: &seedRandom), format) }, format)
        for number in 0..<DecoderFuzzTests.casesPerFormat / 2 {
            var body = whole
            for _ in 0...random.below(4) {
                let at = random.below(body.count)
                switch random.below(3) {
                case 0: body[at] ^= UInt8(1 << random.below(8))
                case 1: body.insert(UInt8(random.below(256)), at: at)
                default: body.remove(at: at)
                }
            }
            Self.expectAgreement(body, "\(format) damage case \(number)")
        }
    }
}
