import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Warehouse
import VendorSandbox

/// The 2tCloud demo data set (seed 42, 2023-10-01 … testToday), generated once.
let twotData = TwoTCloudSandboxData.generate(seed: 42, from: "2023-10-01", to: testToday)

/// `Authorization: Basic base64(user:password)`, encoded by Foundation (independent of the sandbox).
func basicAuth(_ user: String, _ password: String) -> (String, String) {
    ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
}

let twotAuth = [basicAuth("100042", "sandbox-2tcloud-key")]
let twotJSON = twotAuth + [("Accept", "application/json")]

/// A sandbox serving `data` as 2tCloud (and the Copaco demo data).
func withTwoTCloudSandbox<T>(data: TwoTCloudSandboxData = twotData,
                             configure: @escaping (inout SandboxConfiguration) -> Void = { _ in },
                             _ body: (VendorSandbox, Int) async throws -> T) async throws -> T {
    try await withSandbox(configure: { configuration in
        configuration.twotcloudData = data
        configure(&configuration)
    }, body)
}

/// One price line as read back from a response, JSON or XML, amounts as exact text.
struct ServedLine: Equatable {
    var invoiceID, accountID, subscriptionID, lineID, sku, quantity, extendedPrice: String
}

enum ServedTwoTCloud {
    /// Lines of a JSON body, in document order (names matched case-insensitively).
    static func jsonLines(_ body: [UInt8]) throws -> [ServedLine] {
        var out: [ServedLine] = []
        for document in try Served.documents(body) {
            let id = document["Header"]?["InvoiceID"]?.string ?? "?"
            for customer in document["Customers"]?.array ?? [] {
                for subscription in customer["Subscriptions"]?.array ?? [] {
                    for line in subscription["PriceLines"]?.array ?? [] {
                        out.append(ServedLine(
                            invoiceID: id, accountID: customer["AccountID"]?.numberText ?? "?",
                            subscriptionID: subscription["SubscriptionID"]?.numberText ?? "?",
                            lineID: line["LineId"]?.numberText ?? "?", sku: line["SKU"]?.string ?? "?",
                            quantity: line["Quantity"]?.numberText ?? "?", extendedPrice: line["ExtendedPrice"]?.numberText ?? "?"))
                    }
                }
            }
        }
        return out
    }

    /// Lines of an XML body, read with Foundation's XMLParser.
    static func xmlLines(_ body: [UInt8]) throws -> [ServedLine] {
        let reader = XMLReader()
        let parser = XMLParser(data: Data(body))
        parser.delegate = reader
        guard parser.parse() else { throw XMLReader.Failure(reason: parser.parserError.map { "\($0)" } ?? "parse failed") }
        return reader.lines
    }

    /// Every element's text by element name (all occurrences), from an XML body.
    static func xmlTexts(_ body: [UInt8], element: String) throws -> [String] {
        let reader = XMLReader()
        let parser = XMLParser(data: Data(body))
        parser.delegate = reader
        guard parser.parse() else { throw XMLReader.Failure(reason: "parse failed") }
        return reader.texts[element] ?? []
    }

    static func micros(_ lines: [ServedLine]) throws -> Int64 {
        try lines.reduce(0) { $0 + (try Money(parsing: $1.extendedPrice).micros) }
    }
}

/// A small XMLParser delegate: collects price lines with their invoice, customer and
/// subscription, and the text of every leaf element.
final class XMLReader: NSObject, XMLParserDelegate {
    struct Failure: Error { let reason: String }

    var lines: [ServedLine] = []
    var texts: [String: [String]] = [:]
    private var path: [String] = []
    private var text = ""
    private var invoiceID = ""
    private var accountID = ""
    private var subscriptionID = ""
    private var current: [String: String] = [:]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        path.append(elementName)
        text = ""
        if elementName == "PriceLine" { current = [:] }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        let parent = path.count >= 2 ? path[path.count - 2] : ""
        texts[elementName, default: []].append(text)
        switch (parent, elementName) {
        case ("Header", "InvoiceID"): invoiceID = text
        case ("Customer", "AccountID"): accountID = text
        case ("Subscription", "SubscriptionID"): subscriptionID = text
        case ("PriceLine", _): current[elementName] = text
        case (_, "PriceLine"):
            lines.append(ServedLine(invoiceID: invoiceID, accountID: accountID, subscriptionID: subscriptionID,
                                    lineID: current["LineId"] ?? "?", sku: current["SKU"] ?? "?",
                                    quantity: current["Quantity"] ?? "?", extendedPrice: current["ExtendedPrice"] ?? "?"))
        default: break
        }
        path.removeLast()
        text = ""
    }
}
