import Warehouse

/// Renders 2tCloud documents as the API sends them, straight into bytes.
/// - JSON: `InvoiceRenderer`'s, in the 2tCloud dialect.
/// - XML: `<InvoiceResponse>` of `<Invoice>` elements, two-space indentation, CRLF line ends,
///   empty values self-closing (`<CostCenter />`), `TaxZoneID`/`TaxPercentage` also in the
///   `Header`, and the Receiver's `Address` named `Street`.
/// Amounts have the same exact text in both (`Money`, no exponent, up to six decimals).
enum TwoTCloudRenderer {
    /// `mutateFields` and `drift` change the JSON only.
    typealias Options = InvoiceRenderer.Options

    static func responseChunks(_ documents: [SandboxInvoice], format: TwoTCloudFormat, options: Options) -> [[UInt8]] {
        switch format {
        case .json: InvoiceRenderer.responseChunks(documents, dialect: .twotcloud, options: options)
        case .xml: xmlChunks(documents, options: options)
        }
    }

    // MARK: XML

    static func xmlChunks(_ documents: [SandboxInvoice], options: Options) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var x = XMLWriter(capacity: min(options.chunkSize, 256 + documents.count * 8192))
        x.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
        x.newline()
        x.raw("<InvoiceResponse xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">")
        x.newline()
        x.depth = 1
        for document in documents {
            InvoiceRenderer.write(document, corruption: options.corrupt[document.invoiceID], to: &x)
            if x.bytes.count >= options.chunkSize { chunks.append(x.takeBytes()) }
        }
        x.depth = 0
        x.raw("</InvoiceResponse>")
        x.newline()
        chunks.append(x.takeBytes())
        return chunks
    }
}
