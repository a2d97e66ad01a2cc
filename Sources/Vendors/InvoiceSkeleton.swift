import Ingestion
import JSON
import Warehouse

/// The invoice shape Copaco v1 and 2tCloud share: Header, Sender, Receiver,
/// Customers[] → Subscriptions[] → PriceLines[] (docs/vendors.md).
enum InvoiceSkeleton {
    /// How a vendor's lines are read.
    struct Rules: Sendable {
        var customerKey: CustomerKeyRule = .customerNumber
        var amount: LineAmount = .extendedPrice
        /// Where each document's field paths are counted.
        var census = FieldCensus()
        /// How a streamed document's customers are read.
        var customers: CustomerReading = .spans
        /// What a stream's documents hand on to the next for the census (set by `streamResponse`).
        var carry: CensusCarry?

        /// Lines that feed `purchases` must carry what matching needs; cross-check lines are
        /// only compared, never summed or matched.
        var requiresMatchingKeys: Bool { amount == .extendedPrice }
    }

    /// What one stream's documents hand on to the next, so that a document shaped like the one
    /// before counts its fields without spelling their paths out again. Used by one stream's
    /// documents, one after another (hence unchecked).
    final class CensusCarry: @unchecked Sendable {
        let paths = FieldPathMemo()
        var spans: [CustomerSpans.CensusMemo]?
    }

    /// The path prefix of a document's own fields, in JSON and XML alike.
    static let documentPath = "Invoices[]"

    /// The documents of a `{"Invoices": [...]}` response one at a time, each with its
    /// `Customers` array left unparsed until its lines are read: what `JSONParser.parseEnvelope`
    /// reads, without ever holding a whole document's tree (a monthly invoice can hold every
    /// customer's lines).
    static func streamResponse(_ body: any BodyReader, rules: Rules) -> DocumentStream {
        var rules = rules
        rules.carry = CensusCarry()
        var cursor = JSONEnvelopeCursor(reading: body, arrayKey: "Invoices", deferring: "Customers")
        return DocumentStream(census: rules.census) { () throws(DocumentRejection) -> StreamedDocument? in
            let element: JSONEnvelopeCursor.Element?
            do { element = try cursor.next() } catch { throw DocumentRejection("\(error)") }
            guard let element else {
                if !cursor.foundArray { throw DocumentRejection("the response has no \"Invoices\" array") }
                return nil
            }
            if let unreadable = element.unreadable {
                return StreamedDocument(raw: element.raw[...], keyHint: keyHint(ofUnreadable: element.raw),
                                        result: .failure(DocumentRejection("\(unreadable)")))
            }
            let customers: CustomerEntries? = element.deferred.map { .ranges(element.raw, $0) }
            return document(element.raw[...], value: element.value, customers: customers, rules: rules)
        }
    }

    /// The `InvoiceID` of a document whose text is not valid UTF-8 (a vendor writing Latin-1),
    /// read from a copy with the bad bytes replaced: the quarantine then names the document, and
    /// a later good version of it resolves the sighting. Only a name: nothing else is read so.
    static func keyHint(ofUnreadable raw: [UInt8]) -> String? {
        let repaired = Array(String(decoding: raw, as: UTF8.self).utf8)
        guard case .object(let invoice)? = try? JSONParser.parse(repaired) else { return nil }
        return keyHint(of: invoice)
    }

    private static func keyHint(of invoice: JSONObject) -> String? {
        (try? invoice.object("Header", in: "Invoice"))??.textOrNil("InvoiceID")?.trimmingXMLSpace
    }

    /// Each element's exact bytes with what decoding made of it, decoded whole (XML).
    static func documents(_ body: [UInt8], elements: [(range: Range<Int>, value: JSONValue)], rules: Rules) -> [FetchedDocument] {
        elements.map { element in
            document(body[element.range], value: element.value, customers: nil, rules: rules).collected()
        }
    }

    static func document(_ raw: ArraySlice<UInt8>, value: JSONValue, customers: CustomerEntries?, rules: Rules) -> StreamedDocument {
        // A rejected document's fields are counted from its whole tree: they show what changed.
        let countRejected = {
            let whole = customers == nil ? value : ((try? JSONParser.parse(Array(raw))) ?? value)
            rules.census.add(DocumentFields.of(whole, at: documentPath))
        }
        guard case .object(let invoice) = value else {
            countRejected()
            return StreamedDocument(raw: raw, keyHint: nil, result: .failure(DocumentRejection("Invoices[]: expected an object, got \(value.kind)")))
        }
        let keyHint = keyHint(of: invoice)
        do {
            let (header, lines) = try decodeInvoice(invoice, customers: customers, rules: rules)
            let counted = LineSource { emit in
                do {
                    try lines.forEach(emit)
                } catch let rejection as DocumentRejection {
                    countRejected()
                    throw rejection
                }
            }
            return StreamedDocument(raw: raw, keyHint: keyHint, result: .success((header, counted)))
        } catch {
            countRejected()
            return StreamedDocument(raw: raw, keyHint: keyHint, result: .failure(error))
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

    /// How the customers of a streamed document are read: both give the same lines, rejections
    /// and census (the agreement tests hold them to it).
    enum CustomerReading: Sendable {
        /// Straight from their bytes (`CustomerSpans`): what ingestion uses.
        case spans
        /// Each parsed into a `JSONValue` tree first: the reference.
        case tree
    }

    /// Where a document's `Customers[]` entries are.
    enum CustomerEntries {
        /// Elements of the response, validated but not parsed (`ShallowObject.deferred`), under
        /// the array's name as the document spells it.
        case ranges([UInt8], DeferredArray)
    }

    /// Decodes one invoice object whole (tests, stored documents, XML).
    static func decodeInvoice(_ invoice: JSONObject, customerKey rule: CustomerKeyRule = .customerNumber,
                              amount amountRule: LineAmount = .extendedPrice) throws(DocumentRejection) -> DecodedDocument {
        let (header, lines) = try decodeInvoice(invoice, customers: nil, rules: Rules(customerKey: rule, amount: amountRule))
        return DecodedDocument(header: header, lines: try lines.collect())
    }

    /// Reads the header now and the lines when the source is read. `customers` nil: the entries
    /// are the invoice object's own `Customers` member.
    static func decodeInvoice(_ invoice: JSONObject, customers: CustomerEntries?, rules: Rules) throws(DocumentRejection) -> (header: DocumentHeader, lines: LineSource) {
        if let name = invoice.repeatedMember(among: invoiceMembers, seen: customers == nil ? [] : ["Customers"]) {
            throw DocumentRejection(Drift.repeatedMember("Invoice", name))
        }
        guard let headerObject = try invoice.object("Header", in: "Invoice") else {
            throw DocumentRejection("Invoice.Header: missing")
        }
        if let name = headerObject.repeatedMember(among: headerMembers) {
            throw DocumentRejection(Drift.repeatedMember("Invoice.Header", name))
        }
        // Whitespace around it is no part of the number: " 102911" one night and "102911" the
        // next are one invoice, not two both counted.
        let key = try headerObject.requiredText("InvoiceID", in: "Header").trimmingXMLSpace
        if key.isEmpty { throw DocumentRejection("Header.InvoiceID: missing") }
        let date = try headerObject.requiredDate("Date", in: "Header")
        let currency = try headerObject.requiredText("Currency", in: "Header")
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw DocumentRejection("Header.Currency: not an ISO 4217 code: \(currency.prefix(20))")
        }
        // XML's element text may be wrapped in whitespace.
        let type = try headerObject.text("Type", in: "Header")?.trimmingXMLSpace
        let header = DocumentHeader(key: key, date: date, type: type, currency: currency, statedTotal: statedTotal(invoice))
        let lines = LineSource { emit in
            var fields = DocumentFields(memo: rules.carry?.paths)
            fields.walk(invoice, at: documentPath)
            var total = LineTotal(stated: header.statedTotal, checked: rules.requiresMatchingKeys)
            func counting(_ line: StagingLine) throws {
                total.add(line.amount)
                try emit(line)
            }
            switch customers {
            case nil:
                for (c, customer) in try invoice.requiredObjects("Customers", in: "Invoice").enumerated() {
                    if let repeated = repeatedField(in: customer) { throw repeatedRejection(repeated, customer: c) }
                    try customerLines(customer, index: c, rules: rules, emit: counting)
                }
            case .ranges(let body, let array)?:
                let ranges = array.elements
                let arrayPath = documentPath + "." + array.name
                fields.note(arrayPath)
                // Like `objects(_:in:)`: every entry is checked to be an object before any line is read.
                for (c, range) in ranges.enumerated() where body[range.lowerBound] != UInt8(ascii: "{") {
                    let kind = (try? JSONParser.parse(body, range: range))?.kind ?? "value"
                    throw DocumentRejection("Invoice.Customers[\(c)]: expected an object, got \(kind)")
                }
                if rules.customers == .spans {
                    // Taken out of the carry, so that the reader's copy is the only one and
                    // noting into it copies nothing (it goes back when the document is read).
                    var census = rules.carry?.spans
                    rules.carry?.spans = nil
                    var reader = CustomerSpans(body, arrayPath: arrayPath, census: census)
                    census = nil
                    defer { rules.carry?.spans = reader.census }
                    for (c, range) in ranges.enumerated() {
                        do { try reader.read(range, fields: &fields) } catch { throw DocumentRejection("Invoice.Customers[\(c)]: \(error)") }
                        if let repeated = reader.repeated { throw repeatedRejection(repeated, customer: c) }
                        try customerLines(SpanObject(reader), index: c, rules: rules, emit: counting)
                    }
                }
                for (c, range) in ranges.enumerated() where rules.customers == .tree {
                    let value: JSONValue
                    do { value = try JSONParser.parse(body, range: range) } catch { throw DocumentRejection("Invoice.Customers[\(c)]: \(error)") }
                    guard case .object(let customer) = value else {
                        throw DocumentRejection("Invoice.Customers[\(c)]: expected an object, got \(value.kind)")
                    }
                    fields.walk(customer, at: arrayPath + "[]")
                    if let repeated = repeatedField(in: customer) { throw repeatedRejection(repeated, customer: c) }
                    try customerLines(customer, index: c, rules: rules, emit: counting)
                }
            }
            try total.check()
            rules.census.add(fields)
        }
        return (header, lines)
    }

    static func customerLines<Object: InvoiceMembers>(_ customer: Object, index c: Int, rules: Rules,
                                                      emit: (StagingLine) throws -> Void) throws {
        // Paths are made only for a rejection's message.
        let customerPath = { "Customers[\(c)]" }
        let accountID = try customer.identifier(.accountID, in: customerPath())
        let customerNumber = try customer.text(.customerNumber, in: customerPath())
        let customerName = try customer.text(.companyName, in: customerPath())
        let customerKey: String
        switch rules.customerKey {
        case .customerNumber:
            customerKey = customerNumber ?? ""
        case .accountID:
            // Prefixed so that an AccountID can never equal a CustomerNumber used as fallback.
            if let accountID, !accountID.isEmpty { customerKey = "account:" + accountID }
            else if let customerNumber, !customerNumber.isEmpty { customerKey = "number:" + customerNumber }
            else { customerKey = "" }
        }
        // Lines are matched within a customer: lines of customers without a key would all share
        // the empty one, and one customer's selling price would be booked against another's cost.
        var keyChecked = !rules.requiresMatchingKeys
        for (s, subscription) in try customer.requiredObjects(.subscriptions, in: customerPath()).enumerated() {
            let subscriptionPath = { "\(customerPath()).Subscriptions[\(s)]" }
            let subscriptionID = try subscription.identifier(.subscriptionID, in: subscriptionPath())
            let subscriptionName = try subscription.text(.subscriptionName, in: subscriptionPath())
            for (p, priceLine) in try subscription.requiredObjects(.priceLines, in: subscriptionPath()).enumerated() {
                let path = { "\(subscriptionPath()).PriceLines[\(p)]" }
                let amount: Money
                switch rules.amount {
                case .extendedPrice:
                    // The amount first: a value that does not parse says more than a missing key.
                    try priceLine.requireField(.extendedPrice, in: path(), for: "the line's amount")
                    amount = try priceLine.requiredMoney(.extendedPrice, in: path())
                    if !keyChecked {
                        try requireCustomerKey(customerKey, rule: rules.customerKey, in: customerPath())
                        keyChecked = true
                    }
                    if p == 0 { try subscription.requireField(.subscriptionID, in: subscriptionPath(), for: "matching its lines") }
                    for field in matchingFields { try priceLine.requireField(field, in: path(), for: "matching the line") }
                case .bestEffort:
                    amount = (try? priceLine.money(.extendedPrice, in: path())) ?? (try? priceLine.money(.purchasePrice, in: path())) ?? Money(micros: 0)
                }
                var line = StagingLine(amount: amount)
                line.customerKey = customerKey
                line.customerAccountID = accountID
                line.customerNumber = customerNumber
                line.customerName = customerName
                line.subscriptionID = subscriptionID
                line.subscriptionName = subscriptionName
                line.lineRef = try priceLine.text(.lineID, in: path())
                line.uid = try priceLine.text(.uid, in: path())
                line.rowHash = try priceLine.text(.invoiceRowHash, in: path()).flatMap { $0.isEmpty ? nil : $0 }
                line.sku = try priceLine.text(.sku, in: path())
                line.description = try priceLine.text(.description, in: path())
                line.chargeType = try priceLine.text(.chargeType, in: path())
                if let quantity = try priceLine.decimal(.quantity, in: path()) {
                    line.quantity = quantity.sent
                    line.quantityNorm = quantity.canonical
                }
                line.unitPrice = try priceLine.money(.unitPrice, in: path())
                line.vat = try priceLine.money(.vat, in: path())
                line.periodStart = try priceLine.date(.startDate, in: path())
                line.periodEnd = try priceLine.date(.endDate, in: path())
                try emit(line)
            }
        }
    }

    /// The members of an invoice and of its header that are read: each may be there once.
    static let invoiceMembers = ["Header", "Customers", "Totals"]
    static let headerMembers = ["InvoiceID", "Date", "Currency", "Type"]

    /// The first field that one of the customer's objects (the customer, a subscription, a price
    /// line) names twice, in the order `CustomerSpans` reads them, with that object's level.
    static func repeatedField(in customer: JSONObject) -> (field: InvoiceField, level: InvoiceField.Level)? {
        func walk(_ object: JSONObject, _ level: InvoiceField.Level) -> (field: InvoiceField, level: InvoiceField.Level)? {
            var seen = Array(repeating: false, count: level.fields.count)
            for member in object.members {
                guard let field = level.fields.lazy.map({ InvoiceField(rawValue: $0)! })
                    .first(where: { asciiCaseInsensitiveEquals(member.key, $0.name) }) else { continue }
                if seen[field.slot] { return (field, level) }
                seen[field.slot] = true
                if field == level.children, case .array(let items) = member.value, let child = level.childLevel {
                    for case .object(let item) in items {
                        if let repeated = walk(item, child) { return repeated }
                    }
                }
            }
            return nil
        }
        return walk(customer, .customer)
    }

    static func repeatedRejection(_ repeated: (field: InvoiceField, level: InvoiceField.Level), customer c: Int) -> DocumentRejection {
        let object = switch repeated.level {
        case .customer: "the customer"
        case .subscription: "one of its subscriptions"
        case .priceLine: "one of its price lines"
        }
        return DocumentRejection(Drift.repeatedMember("Invoice.Customers[\(c)]", repeated.field.name, in: object))
    }

    /// A customer with lines to match must be named by its key field (`CustomerNumber`; for
    /// 2tCloud `AccountID`, else `CustomerNumber`), present and not empty.
    static func requireCustomerKey(_ key: String, rule: CustomerKeyRule, in path: String) throws(DocumentRejection) {
        guard key.isEmpty else { return }
        let field = switch rule {
        case .customerNumber: "\(path).CustomerNumber"
        case .accountID: "\(path).AccountID (and CustomerNumber)"
        }
        throw DocumentRejection(Drift.missingField(field, use: "matching its lines"))
    }

    /// What every staged price line must carry for the matching rules (`InvoiceRowHash` is not
    /// among them: lines from before Copaco introduced it have none and match on these).
    static let matchingFields: [InvoiceField] = [.sku, .startDate, .endDate]

    /// The contract leaves `Totals`' fields open; these are the names a net total goes by. A
    /// total that is there but unreadable is no reason to reject the lines: it is only a check.
    static let netTotalNames = ["TotalExclVAT", "TotalExclusiveVAT", "TotalExVAT", "TotalExcludingVAT", "NetTotal", "SubTotal"]

    static func statedTotal(_ invoice: JSONObject) -> Money? {
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

/// A document's lines added up as they are read, against the net total it states.
struct LineTotal {
    let stated: Money?
    let checked: Bool
    var sum: Int64 = 0
    var overflowed = false

    mutating func add(_ amount: Money) {
        let (result, overflow) = sum.addingReportingOverflow(amount.micros)
        sum = result
        overflowed = overflowed || overflow
    }

    /// A total that disagrees with the lines by a cent or more means lines were lost or misread:
    /// the document is rejected rather than stored with the wrong amount.
    func check() throws(DocumentRejection) {
        guard checked, let stated, overflowed || !Money.agreesToTheCent(stated: stated, sum: Money(micros: sum)) else { return }
        let lines = overflowed ? "more than a 64-bit micro-unit sum" : Money(micros: sum).description
        throw DocumentRejection("Totals: the document states a net total of \(stated) but its lines add up to \(lines), a cent or more apart — lines or a field renamed or removed by the vendor?")
    }
}
