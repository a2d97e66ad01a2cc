import Foundation
import Ingestion
import JSON
import Warehouse

/// 2tCloud Billing API, Copaco's legacy platform (docs/vendors.md).
///
/// The invoice skeleton is Copaco's, so decoding is shared; what differs is the auth (Basic,
/// bound to one caller IP), the version in the path, the XML a server sends when it ignores
/// `Accept`, the customer key (AccountID) and the cross-check endpoint.
package struct TwoTCloudConnector: Connector {
    package struct Settings: Sendable {
        package var baseURL: String
        package var accountID: String
        package var apiKey: Secret
        /// One version for every endpoint: the vendor does not support mixing them.
        package var version: String
        /// Also read `consolidatedinvoices` (raw only, for the cross-check in `status`).
        package var includeConsolidated: Bool

        package init(baseURL: String = "https://api.cloudnet.services", accountID: String, apiKey: Secret,
                    version: String = "v2", includeConsolidated: Bool = false) {
            self.baseURL = baseURL
            self.accountID = accountID
            self.apiKey = apiKey
            self.version = version
            self.includeConsolidated = includeConsolidated
        }

        /// `v1`, `v2`, …: anything else would build a wrong URL for every endpoint.
        package static func isValidVersion(_ version: String) -> Bool {
            let digits = version.utf8.dropFirst()
            return version.utf8.first == UInt8(ascii: "v") && !digits.isEmpty && digits.count <= 3
                && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
        }
    }

    package static let invoicesName = "invoices"
    package static let customerInvoicesName = "customerinvoices"
    package static let consolidatedName = "consolidatedinvoices"

    package let settings: Settings
    package init(settings: Settings) { self.settings = settings }

    package var vendor: VendorID { .twotcloud }

    package var invoices: Endpoint { endpoint(Self.invoicesName, .incoming) }
    package var customerInvoices: Endpoint { endpoint(Self.customerInvoicesName, .outgoing) }
    package var consolidatedInvoices: Endpoint { endpoint(Self.consolidatedName, .crossCheck) }

    package var endpoints: [Endpoint] {
        settings.includeConsolidated ? [invoices, customerInvoices, consolidatedInvoices] : [invoices, customerInvoices]
    }

    func endpoint(_ name: String, _ direction: Direction) -> Endpoint {
        Endpoint(name: name, path: "/\(settings.version)/\(name)", version: settings.version, direction: direction)
    }

    package func request(for endpoint: Endpoint, window: DateWindow) -> VendorRequest {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        let credentials = Data("\(settings.accountID):\(settings.apiKey.reveal())".utf8).base64EncodedString()
        return VendorRequest(
            url: "\(base)\(endpoint.path)?startDate=\(window.start.compact)&endDate=\(window.end.compact)",
            headers: [("Accept", "application/json"), ("User-Agent", "billwh")],
            secretHeaders: [("Authorization", Secret("Basic " + credentials))])
    }

    package func decode(_ body: [UInt8], endpoint: Endpoint) throws(DocumentRejection) -> [FetchedDocument] {
        try documentStream(body, endpoint: endpoint).collect()
    }

    /// JSON is read one document at a time; XML (a fallback for servers that ignore `Accept`)
    /// is read whole first, then one invoice at a time.
    package func documentStream(reading body: any BodyReader, endpoint: Endpoint) -> DocumentStream {
        let rules = Self.rules(for: endpoint.direction)
        // The format shows in the first byte after whitespace (and a byte-order mark).
        let leading = Set<UInt8>([0x20, 0x09, 0x0A, 0x0D] + UTF8Sequence.byteOrderMark)
        var start: [UInt8] = []
        do {
            while start.allSatisfy(leading.contains), try body.read(appendingTo: &start) {}
        } catch {
            let reason = "\(error)"
            return .eager(census: rules.census) { () throws(DocumentRejection) in throw DocumentRejection(reason) }
        }
        if XMLReader.looksLikeXML(start) {
            rules.census.format = "XML"
            var invoices: XMLInvoices?
            return DocumentStream(census: rules.census) { () throws(DocumentRejection) -> StreamedDocument? in
                if invoices == nil {
                    do { invoices = XMLInvoices(try body.readAll(after: start), rules: rules) } catch { throw DocumentRejection("\(error)") }
                }
                return try invoices!.next()
            }
        }
        return InvoiceSkeleton.streamResponse(ResumedBody(start, then: body), rules: rules)
    }

    /// Decodes one stored document (its raw bytes, JSON or XML) again, e.g. for the cross-check.
    package static func decodeStored(_ raw: [UInt8], direction: Direction) throws(DocumentRejection) -> DecodedDocument {
        let rules = Self.rules(for: direction)
        let decode = { (invoice: JSONObject) throws(DocumentRejection) -> DecodedDocument in
            try InvoiceSkeleton.decodeInvoice(invoice, customerKey: rules.customerKey, amount: rules.amount)
        }
        if XMLReader.looksLikeXML(raw) {
            let element: XMLJSONNode
            do { element = try XMLReader.jsonDocument(raw, listNames: listNames) } catch { throw DocumentRejection("XML: \(error)") }
            guard case .object(let invoice) = element.value else {
                throw DocumentRejection("XML: <\(element.name)> has no fields")
            }
            return try decode(invoice)
        }
        let value: JSONValue
        do { value = try JSONParser.parse(raw) } catch { throw DocumentRejection("\(error)") }
        guard case .object(let invoice) = value else { throw DocumentRejection("expected an invoice object, got \(value.kind)") }
        return try decode(invoice)
    }

    static func rules(for direction: Direction) -> InvoiceSkeleton.Rules {
        InvoiceSkeleton.Rules(customerKey: .accountID, amount: direction == .crossCheck ? .bestEffort : .extendedPrice)
    }

    /// The element names that are lists in 2tCloud's XML, even when they hold one item or none.
    static let listNames: Set<String> = ["Invoices", "Customers", "Subscriptions", "PriceLines", "SubscriptionDetails"]

    /// `<InvoiceResponse><Invoice>…</Invoice>…</InvoiceResponse>` into documents with their exact bytes.
    static func splitXML(_ body: [UInt8], rules: InvoiceSkeleton.Rules) throws(DocumentRejection) -> [FetchedDocument] {
        var invoices = XMLInvoices(body, rules: rules)
        var documents: [FetchedDocument] = []
        while let document = try invoices.next() { documents.append(document.collected()) }
        return documents
    }

    /// The `<Invoice>` elements of `<InvoiceResponse>`, one document at a time: each invoice's
    /// JSON shape is built as its elements complete (never its tree), turned into its document
    /// and dropped. A malformed response fails when the reader reaches the fault, as a JSON
    /// one does, and its window is not written.
    struct XMLInvoices {
        let cursor: XMLShapeCursor
        let rules: InvoiceSkeleton.Rules
        /// Whether the root is `<InvoiceResponse>`, decided once its start tag is read.
        private var rootIsInvoiceResponse: Bool?

        init(_ body: [UInt8], rules: InvoiceSkeleton.Rules) {
            // An invoice, or an invoice's header, below another element is found on the way.
            cursor = XMLShapeCursor(body, listNames: TwoTCloudConnector.listNames, watching: ["Invoice", "Header"])
            self.rules = rules
        }

        mutating func next() throws(DocumentRejection) -> StreamedDocument? {
            while true {
                let next: XMLJSONNode?
                do { next = try cursor.next() } catch {
                    // A proxy's or a login page is HTML: said as such, not as bad XML.
                    throw DocumentRejection(Self.isHTML(cursor.bytes) ? "\(Self.htmlPage); as XML: \(error)" : "XML: \(error)")
                }
                guard let child = next else { break }
                // A response under another root is refused once read whole: a fault in it is
                // named first, as when the whole tree was built before looking.
                guard isInvoiceResponse() else { continue }
                guard asciiCaseInsensitiveEquals(child.localName, "Invoice") else {
                    // Other elements are unknown fields, unless invoices hide in them: a wrapper
                    // or a renamed <Invoice> would otherwise read as no invoices at all.
                    if let found = child.watchedBelow {
                        throw DocumentRejection("XML: <\(found)> inside <\(child.name)>, where <Invoice> elements sit directly under <InvoiceResponse>: the vendor changed the response's shape")
                    }
                    continue
                }
                return InvoiceSkeleton.document(cursor.bytes[child.range], value: child.value, customers: nil, rules: rules)
            }
            guard isInvoiceResponse() else {
                throw DocumentRejection(Self.isHTML(cursor.bytes) ? Self.htmlPage : "the XML response's root is not <InvoiceResponse>")
            }
            return nil
        }

        static let htmlPage = "the response is an HTML page, not the JSON asked for (a proxy's or a login page?)"

        /// Whether `bytes` open like an HTML page (`<!DOCTYPE html` or `<html`, any case).
        static func isHTML(_ bytes: [UInt8]) -> Bool {
            let head = bytes.prefix(1024).drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 >= 0x80 }
            let text = String(decoding: head.prefix(14), as: UTF8.self).lowercased()
            return text.hasPrefix("<!doctype html") || text.hasPrefix("<html")
        }

        mutating func isInvoiceResponse() -> Bool {
            if let known = rootIsInvoiceResponse { return known }
            guard let root = cursor.rootName else { return false }
            let known = asciiCaseInsensitiveEquals(XMLElement.localName(of: root), "InvoiceResponse")
            rootIsInvoiceResponse = known
            return known
        }
    }

    package func authenticationAdvice(status: Int, endpoint: Endpoint) -> String {
        // 2tCloud answers 403 for both causes and does not say which one it was.
        "2tCloud refused the request to \(endpoint.path) (HTTP \(status)). Check both: (1) the Basic credentials — BILLWH_TWOTCLOUD_ACCOUNT_ID must be the reseller's Account ID and BILLWH_TWOTCLOUD_API_KEY (or _FILE) an active key of the Billing API; (2) the IP address this machine calls from must be the one attached to that key in the 2tCloud portal (each key is bound to one caller IP address)"
    }
}
