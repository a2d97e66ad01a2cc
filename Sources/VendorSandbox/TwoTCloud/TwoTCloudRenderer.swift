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
            writeXML(document, corruption: options.corrupt[document.invoiceID], to: &x)
            if x.bytes.count >= options.chunkSize { chunks.append(x.takeBytes()) }
        }
        x.depth = 0
        x.raw("</InvoiceResponse>")
        x.newline()
        chunks.append(x.takeBytes())
        return chunks
    }

    static func writeXML(_ document: SandboxInvoice, corruption: SandboxCorruption?, to x: inout XMLWriter) {
        let consolidated = document.endpoint == .consolidatedInvoices
        x.open("Invoice")
        if corruption != .missingHeader {
            x.open("Header")
            x.text("InvoiceID", document.invoiceID)
            x.dateTime("Date", document.date)
            x.dateTime("ExpirationDate", document.expirationDate)
            x.text("Currency", document.currency)
            x.text("Type", document.type)
            x.int("TypeIdentifier", document.typeIdentifier)
            x.text("Description", document.description)
            x.text("Language", document.language)
            x.text("LanguageCode", document.languageCode)
            x.int("TermsOfPaymentDays", document.termsOfPaymentDays)
            x.text("TaxZoneID", document.taxZoneID)
            x.text("TaxPercentage", document.taxPercentage)
            x.close("Header")
        }
        writeXML(document.sender, element: "Sender", addressName: "Address", to: &x)
        writeXML(document.receiver, element: "Receiver", addressName: "Street", to: &x)
        if document.customers.isEmpty {
            x.empty("Customers")
        } else {
            x.open("Customers")
            var corruptPending = corruption == .badAmount
            for customer in document.customers {
                x.open("Customer")
                x.int("AccountID", customer.accountID)
                x.text("CustomerNumber", customer.customerNumber)
                x.text("CompanyName", customer.companyName)
                x.text(consolidated ? "CustomerCostCenter" : "CostCenter", customer.costCenter)
                x.open("Subscriptions")
                for subscription in customer.subscriptions {
                    x.open("Subscription")
                    x.int("SubscriptionID", subscription.subscriptionID)
                    x.text("SubscriptionName", subscription.subscriptionName)
                    x.dateTime("StartDate", subscription.startDate)
                    x.int("PlanID", subscription.planID)
                    x.text("PlanName", subscription.planName)
                    x.text("PlanCategoryName", subscription.planCategoryName)
                    x.int("BillingModel", subscription.billingModel)
                    x.text("SubscriptionPONumber", subscription.poNumber)
                    x.open("PriceLines")
                    for line in subscription.priceLines {
                        writeXML(line, corruptAmount: corruptPending, to: &x)
                        corruptPending = false
                    }
                    x.close("PriceLines")
                    x.close("Subscription")
                }
                x.close("Subscriptions")
                x.close("Customer")
            }
            x.close("Customers")
        }
        let net = document.extendedPriceTotalMicros
        let vat = document.vatTotalMicros
        x.open("Totals")
        x.money("TotalExclVAT", net)
        x.money("TotalVAT", vat)
        x.money("TotalInclVAT", net + vat)
        x.int("LineCount", document.lineCount)
        x.close("Totals")
        x.close("Invoice")
    }

    static func writeXML(_ party: SandboxParty, element: StaticString, addressName: StaticString, to x: inout XMLWriter) {
        x.open(element)
        if let id = party.accountID { x.int("AccountID", id) } else { x.empty("AccountID") }
        x.text("CustomerNumber", party.customerNumber)
        x.text("CompanyName", party.companyName)
        x.text(addressName, party.address)
        x.text("Zip", party.zip)
        x.text("City", party.city)
        x.text("Country", party.country)
        x.text("CountryCode", party.countryCode)
        x.text("VATNumber", party.vatNumber)
        x.text("Email", party.email)
        x.close(element)
    }

    static func writeXML(_ line: SandboxPriceLine, corruptAmount: Bool, to x: inout XMLWriter) {
        x.open("PriceLine")
        x.int("LineId", line.lineID)
        x.text("UID", line.uid)
        x.text("SKU", line.sku)
        x.text("Description", line.description)
        x.text("Quantity", line.quantity)
        x.text("QuantityType", line.quantityType)
        x.money("UnitPrice", line.unitPriceMicros)
        x.text("Discount", line.discountPercent)
        if corruptAmount { x.text("ExtendedPrice", "12,5x") } else { x.money("ExtendedPrice", line.extendedPriceMicros) }
        x.money("VAT", line.vatMicros)
        x.text("TaxPercentage", line.taxPercentage)
        x.text("TaxZoneID", line.taxZoneID)
        x.dateTime("StartDate", line.startDate)
        x.dateTime("EndDate", line.endDate)
        x.text("Duration", line.duration)
        x.text("DurationType", line.durationType)
        x.text("BillingFrequency", line.billingFrequency)
        if let chargeType = line.chargeType { x.text("ChargeType", chargeType) }
        x.text("SubPONumber", line.subPONumber)
        if let value = line.purchasePriceMicros { x.money("PurchasePrice", value) }
        if let value = line.purchaseDiscount { x.text("PurchaseDiscount", value) }
        if let value = line.salesPriceMicros { x.money("SalesPrice", value) }
        if let value = line.salesDiscount { x.text("SalesDiscount", value) }
        x.close("PriceLine")
    }
}

/// Writes indented XML straight into bytes. Text is escaped (`&amp; &lt; &gt; &quot; &apos;`);
/// an absent or empty value is a self-closing element (`<CostCenter />`).
struct XMLWriter {
    var bytes: [UInt8] = []
    var depth = 0

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ literal: StaticString) { literal.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    mutating func newline() { bytes.append(13); bytes.append(10) }

    mutating func indent() { for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) } }

    private mutating func startTag(_ name: StaticString) {
        bytes.append(UInt8(ascii: "<"))
        raw(name)
        bytes.append(UInt8(ascii: ">"))
    }

    private mutating func endTag(_ name: StaticString) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(UInt8(ascii: "/"))
        raw(name)
        bytes.append(UInt8(ascii: ">"))
    }

    mutating func open(_ name: StaticString) { indent(); startTag(name); newline(); depth += 1 }

    mutating func close(_ name: StaticString) { depth -= 1; indent(); endTag(name); newline() }

    mutating func empty(_ name: StaticString) {
        indent()
        bytes.append(UInt8(ascii: "<"))
        raw(name)
        raw(" />")
        newline()
    }

    /// An element holding text; nil or "" give `<Name />`.
    mutating func text(_ name: StaticString, _ value: String?) {
        guard let value, !value.isEmpty else { empty(name); return }
        indent()
        startTag(name)
        XMLWriter.appendEscaped(value, to: &bytes)
        endTag(name)
        newline()
    }

    mutating func int(_ name: StaticString, _ value: Int) { text(name, String(value)) }

    mutating func money(_ name: StaticString, _ micros: Int64) {
        indent()
        startTag(name)
        Money.append(micros: micros, minimumDecimals: 0, to: &bytes)
        endTag(name)
        newline()
    }

    /// `YYYY-MM-DDT00:00:00`
    mutating func dateTime(_ name: StaticString, _ isoDay: String) {
        indent()
        startTag(name)
        bytes.append(contentsOf: isoDay.utf8)
        raw("T00:00:00")
        endTag(name)
        newline()
    }

    mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.capacity)
        swap(&out, &bytes)
        return out
    }

    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])             // &amp;
            case UInt8(ascii: "<"): bytes.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])                   // &lt;
            case UInt8(ascii: ">"): bytes.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])                   // &gt;
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])      // &quot;
            case UInt8(ascii: "'"): bytes.append(contentsOf: [0x26, 0x61, 0x70, 0x6F, 0x73, 0x3B])       // &apos;
            case 0x0A, 0x0D, 0x09:
                // Kept as character references so that they survive attribute/whitespace normalisation.
                bytes.append(contentsOf: Array("&#x\(String(byte, radix: 16, uppercase: true));".utf8))
            case 0..<0x20:
                continue // not representable in XML 1.0
            default:
                bytes.append(byte)
            }
        }
    }
}
