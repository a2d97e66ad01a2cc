import Ingestion
import JSON
import Warehouse

/// Decoding bytes the warehouse stored, with today's decoder, for `billwh rederive`: a
/// document as kept in `raw_documents` or `quarantine`, or a whole response quarantined
/// because it could not be split (it is split again).
package enum StoredDocuments {
    /// The documents in `raw` for an invoice endpoint of `vendor`; nil for a vendor whose
    /// documents are not invoices (Copper's companies are read again by the next sync).
    package static func stream(_ raw: [UInt8], vendor: VendorID, endpoint: Endpoint) -> DocumentStream? {
        let rules: InvoiceSkeleton.Rules
        switch vendor {
        case .copaco: rules = InvoiceSkeleton.Rules(customerKey: .customerNumber)
        case .twotcloud: rules = TwoTCloudConnector.rules(for: endpoint.direction)
        default: return nil
        }
        if XMLReader.looksLikeXML(raw) {
            // One stored `<Invoice>` (under any namespace prefix: its declaration stayed on the
            // response's root), or a whole response quarantined, read one invoice at a time.
            if let root = XMLReader.rootName(raw), asciiCaseInsensitiveEquals(XMLElement.localName(of: root), "Invoice") {
                return .eager(census: rules.census) { () throws(DocumentRejection) in
                    let document: XMLJSONNode
                    do { document = try XMLReader.jsonDocument(raw, listNames: TwoTCloudConnector.listNames) } catch {
                        throw DocumentRejection("XML: \(error)")
                    }
                    return [InvoiceSkeleton.document(raw[...], value: document.value, customers: nil, rules: rules).collected()]
                }
            }
            var invoices = TwoTCloudConnector.XMLInvoices(raw, rules: rules)
            return DocumentStream(census: rules.census) { () throws(DocumentRejection) -> StreamedDocument? in try invoices.next() }
        }
        let value: JSONValue
        do { value = try JSONParser.parse(raw) } catch {
            return .eager(census: rules.census) { () throws(DocumentRejection) in throw DocumentRejection("\(error)") }
        }
        if case .object(let object) = value, case .array? = object["Invoices"] {
            return InvoiceSkeleton.streamResponse(WholeBody(raw), rules: rules)
        }
        var done = false
        return DocumentStream(census: rules.census) { () throws(DocumentRejection) -> StreamedDocument? in
            guard !done else { return nil }
            done = true
            return InvoiceSkeleton.document(raw[...], value: value, customers: nil, rules: rules)
        }
    }
}
