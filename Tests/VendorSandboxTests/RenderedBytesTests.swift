import Testing
import Warehouse
@testable import VendorSandbox

/// The sandbox's answers are what the decoding, reconciliation and end-to-end tests are built
/// on: a refactor of its generators or renderers must not move a byte. These hashes pin one
/// seed's responses, JSON and XML, with and without field mutation and corruption. A deliberate
/// change to the sandbox's output updates them (the failure prints the new table).
@Suite struct RenderedBytesTests {
    static let expected: [String: String] = [
        "2tcloud consolidatedInvoices json mutated": "2c37f2c1b3b948998a2bca029326b6121fbedb4de9c33fbb94c850bd72b978bb",
        "2tcloud consolidatedInvoices json plain": "0f355f84e01975fb83998e204395810211f02f12b73b0df79c3e1d6d954151cf",
        "2tcloud consolidatedInvoices xml mutated": "c3c5cb3c543d252d4f39e5704547c79e33b132b47a2cc1a0f317b1163dd26525",
        "2tcloud consolidatedInvoices xml plain": "c3c5cb3c543d252d4f39e5704547c79e33b132b47a2cc1a0f317b1163dd26525",
        "2tcloud customerInvoices json mutated": "5fc8c9ffd03c47c1fd6c2945131ad740bd0a81d34e3de70547757d00e21ef8fc",
        "2tcloud customerInvoices json plain": "2045853592bb988bef3cf067b566d3f88a486f308f747e66e34d24bfce702815",
        "2tcloud customerInvoices xml mutated": "efe4c950d27982a64c8f921e5447e32db232ffb2a71565d9e583c91a1bf19cdd",
        "2tcloud customerInvoices xml plain": "efe4c950d27982a64c8f921e5447e32db232ffb2a71565d9e583c91a1bf19cdd",
        "2tcloud invoices json mutated": "079b7fed96d2e22c9b83ce4fa0b702392f36093d28993f65a2c426c3cde4de99",
        "2tcloud invoices json plain": "ddb93663de0bf393ad744a97400b2a5db295dc992e8bd64d42f16410f7fc600d",
        "2tcloud invoices xml mutated": "9451a090bb0ce33e349bc3a87066e7f077b71921a5ee35c1bf29b546646c06ed",
        "2tcloud invoices xml plain": "9451a090bb0ce33e349bc3a87066e7f077b71921a5ee35c1bf29b546646c06ed",
        "copaco customerSpecifications mutated": "a6a2742dd1acb89972a14b3164230b7cfba556195b40ecad993a16f014cf5716",
        "copaco customerSpecifications plain": "846508be02d627e3c9b76e697e820eb190d401e25a867ceb9c3f9641148c51d5",
        "copaco exampleInvoices mutated": "00f19a1e6112f57098f80bf18d850323c034a0db04cb81205aa89a1c5375ce12",
        "copaco exampleInvoices plain": "04024230104b61df4858c6188b0e5d8394c219c090505fabfc66be49c8f1a7cd",
        "copaco invoices mutated": "5b791d8c6d6bc54357fe860421343e01e0aa7d76586912d2c8db783a737e048f",
        "copaco invoices plain": "23af6dd5ec818f022b7dd5ba8d528f344a1aab880c113d9cf926efcd44d74733",
    ]

    static func rendered() -> [String: String] {
        let copaco = CopacoSandboxData.generate(seed: 42, from: "2025-07-01", to: "2026-03-31", customers: 5)
        let twotcloud = TwoTCloudSandboxData.generate(seed: 42, from: "2025-07-01", to: "2026-03-31", customers: 5)
        var hashes: [String: String] = [:]
        for mutate in [false, true] {
            let corrupt: [String: SandboxCorruption] = [copaco.invoices[1].invoiceID: .badAmount, copaco.specifications[2].invoiceID: .missingHeader,
                                                         twotcloud.invoices[1].invoiceID: .badAmount, twotcloud.consolidatedInvoices[0].invoiceID: .missingHeader]
            let options = InvoiceRenderer.Options(seed: 42, mutateFields: mutate, corrupt: corrupt, drift: mutate ? [.extraFields] : [])
            let tag = mutate ? "mutated" : "plain"
            for endpoint in CopacoEndpoint.allCases {
                hashes["copaco \(endpoint.rawValue) \(tag)"] = sha256Hex(InvoiceRenderer.responseChunks(copaco.documents(endpoint), dialect: .copaco, options: options).flatMap { $0 })
            }
            for endpoint in TwoTCloudEndpoint.allCases {
                for format in TwoTCloudFormat.allCases {
                    hashes["2tcloud \(endpoint.rawValue) \(format.rawValue) \(tag)"] =
                        sha256Hex(TwoTCloudRenderer.responseChunks(twotcloud.documents(endpoint), format: format, options: options).flatMap { $0 })
                }
            }
        }
        return hashes
    }

    @Test func responsesKeepTheirBytes() {
        let hashes = Self.rendered()
        #expect(hashes.count == 18)
        if hashes != Self.expected {
            let table = hashes.sorted { $0.key < $1.key }.map { "        \"\($0.key)\": \"\($0.value)\"," }.joined(separator: "\n")
            Issue.record("the sandbox renders other bytes than before; if that is meant, the new table is:\n\(table)")
        }
    }
}
