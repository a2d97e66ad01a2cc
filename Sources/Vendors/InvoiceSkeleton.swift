import Ingestion
import Warehouse

/// The invoice shape Copaco v1 and 2tCloud share: Header, Sender, Receiver,
/// Customers[] → Subscriptions[] → PriceLines[] (vendor-apis/copaco.md, twotcloud.md).
enum InvoiceSkeleton {
    /// The documents of a `{"Invoices": [...]}` response one at a time (what
    /// `JSONParser.parseEnvelope` reads, without holding every document's tree at once).
    static func streamResponse(_ body: [UInt8], decode: @escaping (JSONObject) throws(DocumentRejection) -> DecodedDocument) -> DocumentStream {
        var cursor = JSONEnvelopeCursor(body, arrayKey: "Invoices")
        return DocumentStream { () throws(DocumentRejection) -> FetchedDocument? in
            let element: (range: Range<Int>, value: JSONValue)?
            do { element = try cursor.next() } catch { throw DocumentRejection("\(error)") }
            guard let element else {
                if !cursor.foundArray { throw DocumentRejection("the response has no \"Invoices\" array") }
                return nil
            }
            return document(body, element: element, decode: decode)
        }
    }

    /// Each element's exact bytes with what decoding made of it (JSON or XML alike).
    static func documents(_ body: [UInt8], elements: [(range: Range<Int>, value: JSONValue)],
                          decode: (JSONObject) throws(DocumentRejection) -> DecodedDocument) -> [FetchedDocument] {
        elements.map { element in document(body, element: element, decode: decode) }
    }

    static func document(_ body: [UInt8], element: (range: Range<Int>, value: JSONValue),
                         decode: (JSONObject) throws(DocumentRejection) -> DecodedDocument) -> FetchedDocument {
        let raw = Array(body[element.range])
        guard case .object(let invoice) = element.value else {
            return FetchedDocument(raw: raw, keyHint: nil, result: .failure(DocumentRejection("Invoices[]: expected an object, got \(element.value.kind)")))
        }
        let keyHint = (try? invoice.object("Header", in: "Invoice"))??.textOrNil("InvoiceID")
        do {
            return FetchedDocument(raw: raw, keyHint: keyHint, result: .success(try decode(invoice)))
        } catch {
            return FetchedDocument(raw: raw, keyHint: keyHint, result: .failure(error))
        }
    }

    /// Which field of a `Customers[]` entry identifies the customer for reconciliation.
    enum CustomerKeyRule: Sendable {
        /// Copaco: `CustomerNumber`.
        case customerNumber
        /// 2tCloud: the customer's `AccountID` (its matching rule), else `CustomerNumber`.
        case accountID
    }

    /// Where a price line's amount comes from.
    enum LineAmount: Sendable {
        /// `ExtendedPrice`, required: the authoritative amount of invoices and specifications.
        case extendedPrice
        /// Cross-check documents (2tCloud's consolidated invoices) merge cost and selling prices;
        /// their lines are compared on keys, never summed, so a missing amount is no rejection.
        case bestEffort
    }

    /// Decodes one invoice object.
    static func decodeInvoice(_ invoice: JSONObject, customerKey rule: CustomerKeyRule = .customerNumber,
                              amount amountRule: LineAmount = .extendedPrice) throws(DocumentRejection) -> DecodedDocument {
        guard let header = try invoice.object("Header", in: "Invoice") else {
            throw DocumentRejection("Invoice.Header: missing")
        }
        let key = try header.requiredText("InvoiceID", in: "Header")
        let date = try header.requiredDate("Date", in: "Header")
        let currency = try header.requiredText("Currency", in: "Header")
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw DocumentRejection("Header.Currency: not an ISO 4217 code: \(currency.prefix(20))")
        }
        let type = try header.text("Type", in: "Header")
        var lines: [StagingLine] = []
        for (c, customer) in try invoice.objects("Customers", in: "Invoice").enumerated() {
            let customerPath = "Customers[\(c)]"
            let accountID = try customer.text("AccountID", in: customerPath)
            let customerNumber = try customer.text("CustomerNumber", in: customerPath)
            let customerName = try customer.text("CompanyName", in: customerPath)
            let customerKey: String
            switch rule {
            case .customerNumber:
                customerKey = customerNumber ?? ""
            case .accountID:
                // Prefixed so that an AccountID can never equal a CustomerNumber used as fallback.
                if let accountID, !accountID.isEmpty { customerKey = "account:" + accountID }
                else if let customerNumber, !customerNumber.isEmpty { customerKey = "number:" + customerNumber }
                else { customerKey = "" }
            }
            for (s, subscription) in try customer.objects("Subscriptions", in: customerPath).enumerated() {
                let subscriptionPath = "\(customerPath).Subscriptions[\(s)]"
                let subscriptionID = try subscription.text("SubscriptionID", in: subscriptionPath)
                let subscriptionName = try subscription.text("SubscriptionName", in: subscriptionPath)
                for (p, priceLine) in try subscription.objects("PriceLines", in: subscriptionPath).enumerated() {
                    let path = "\(subscriptionPath).PriceLines[\(p)]"
                    let amount: Money
                    switch amountRule {
                    case .extendedPrice: amount = try priceLine.requiredMoney("ExtendedPrice", in: path)
                    case .bestEffort: amount = (try? priceLine.money("ExtendedPrice", in: path)) ?? (try? priceLine.money("PurchasePrice", in: path)) ?? Money(micros: 0)
                    }
                    var line = StagingLine(amount: amount)
                    line.customerKey = customerKey
                    line.customerAccountID = accountID
                    line.customerNumber = customerNumber
                    line.customerName = customerName
                    line.subscriptionID = subscriptionID
                    line.subscriptionName = subscriptionName
                    line.lineRef = try priceLine.text("LineId", in: path)
                    line.uid = try priceLine.text("UID", in: path)
                    line.rowHash = try priceLine.text("InvoiceRowHash", in: path).flatMap { $0.isEmpty ? nil : $0 }
                    line.sku = try priceLine.text("SKU", in: path)
                    line.description = try priceLine.text("Description", in: path)
                    line.chargeType = try priceLine.text("ChargeType", in: path)
                    if let quantity = try priceLine.decimal("Quantity", in: path) {
                        line.quantity = quantity.sent
                        line.quantityNorm = quantity.canonical
                    }
                    line.unitPrice = try priceLine.money("UnitPrice", in: path)
                    line.vat = try priceLine.money("VAT", in: path)
                    line.periodStart = try priceLine.date("StartDate", in: path)
                    line.periodEnd = try priceLine.date("EndDate", in: path)
                    lines.append(line)
                }
            }
        }
        return DecodedDocument(key: key, date: date, type: type, currency: currency, lines: lines,
                               statedTotal: try statedTotal(invoice))
    }

    /// The contract leaves `Totals`' fields open; these are the names a net total goes by. A
    /// total that is there but unreadable is no reason to reject the lines: it is only a check.
    static let netTotalNames = ["TotalExclVAT", "TotalExclusiveVAT", "TotalExVAT", "TotalExcludingVAT", "NetTotal", "SubTotal"]

    static func statedTotal(_ invoice: JSONObject) throws(DocumentRejection) -> Money? {
        guard let totals = try? invoice.object("Totals", in: "Invoice") else { return nil }
        for name in netTotalNames {
            if let value = try? totals.money(name, in: "Totals") { return value }
        }
        return nil
    }
}

extension JSONObject {
    func textOrNil(_ name: String) -> String? { try? text(name, in: "") }
}
