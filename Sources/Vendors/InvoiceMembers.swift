import Ingestion
import JSON
import Warehouse

/// The members of a `Customers[]` entry, its subscriptions and their price lines that the line
/// decoder reads. Names match ignoring ASCII case.
enum InvoiceField: Int, CaseIterable, Sendable {
    case accountID, customerNumber, companyName, subscriptions
    case subscriptionID, subscriptionName, priceLines
    case extendedPrice, purchasePrice, lineID, uid, invoiceRowHash, sku, description, chargeType, quantity, unitPrice, vat,
         startDate, endDate

    /// The name as the contract spells it; rejections quote this spelling.
    var name: String {
        switch self {
        case .accountID: "AccountID"
        case .customerNumber: "CustomerNumber"
        case .companyName: "CompanyName"
        case .subscriptions: "Subscriptions"
        case .subscriptionID: "SubscriptionID"
        case .subscriptionName: "SubscriptionName"
        case .priceLines: "PriceLines"
        case .extendedPrice: "ExtendedPrice"
        case .purchasePrice: "PurchasePrice"
        case .lineID: "LineId"
        case .uid: "UID"
        case .invoiceRowHash: "InvoiceRowHash"
        case .sku: "SKU"
        case .description: "Description"
        case .chargeType: "ChargeType"
        case .quantity: "Quantity"
        case .unitPrice: "UnitPrice"
        case .vat: "VAT"
        case .startDate: "StartDate"
        case .endDate: "EndDate"
        }
    }

    /// The level of the document an object of the line decoder is at.
    enum Level: Int, CaseIterable, Sendable {
        case customer, subscription, priceLine

        /// The fields read at this level, in slot order.
        var fields: Range<Int> {
            switch self {
            case .customer: InvoiceField.accountID.rawValue..<InvoiceField.subscriptionID.rawValue
            case .subscription: InvoiceField.subscriptionID.rawValue..<InvoiceField.extendedPrice.rawValue
            case .priceLine: InvoiceField.extendedPrice.rawValue..<InvoiceField.allCases.count
            }
        }

        /// The structural array of objects one level down.
        var children: InvoiceField? {
            switch self {
            case .customer: .subscriptions
            case .subscription: .priceLines
            case .priceLine: nil
            }
        }
    }

    /// Where the field is among its level's slots.
    var slot: Int {
        switch self {
        case .accountID, .customerNumber, .companyName, .subscriptions: rawValue - Level.customer.fields.lowerBound
        case .subscriptionID, .subscriptionName, .priceLines: rawValue - Level.subscription.fields.lowerBound
        default: rawValue - Level.priceLine.fields.lowerBound
        }
    }
}

/// An object the line decoder reads: a customer, a subscription or a price line, as a tree
/// (`JSONObject`) or as spans of its bytes (`SpanObject`). `InvoiceSkeleton.customerLines`
/// reads both through this, so both give the same lines and the same rejections.
protocol InvoiceMembers {
    func field(_ field: InvoiceField) -> FieldValue
    /// Present with a value other than `null`.
    func isPresent(_ field: InvoiceField) -> Bool
    /// A structural array (`Customers`, `Subscriptions`, `PriceLines`): present and empty is an
    /// empty list, but absent or null is a rejection, since a document read as empty because a
    /// name no longer matched would silently drop its lines. Every element is checked to be an
    /// object before any is returned.
    func requiredObjects(_ field: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> [Self]
}

extension InvoiceMembers {
    func text(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> String? {
        try field(name).text(name.name, in: path())
    }

    func identifier(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> String? {
        try field(name).identifier(name.name, in: path())
    }

    func money(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> Money? {
        try field(name).money(name.name, in: path())
    }

    func requiredMoney(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> Money {
        try field(name).requiredMoney(name.name, in: path())
    }

    func decimal(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> (sent: String, canonical: String)? {
        try field(name).decimal(name.name, in: path())
    }

    func date(_ name: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> CalendarDate? {
        try field(name).date(name.name, in: path())
    }

    /// A field a rule needs (the amount, a matching key): absent or null is a rejection naming
    /// the likely cause.
    func requireField(_ name: InvoiceField, in path: @autoclosure () -> String, for use: String) throws(DocumentRejection) {
        guard isPresent(name) else { throw DocumentRejection(Drift.missingField("\(path()).\(name.name)", use: use)) }
    }
}

extension JSONObject: InvoiceMembers {
    func field(_ field: InvoiceField) -> FieldValue { FieldValue(self[field.name]) }
    func isPresent(_ field: InvoiceField) -> Bool { isPresent(field.name) }
    func requiredObjects(_ field: InvoiceField, in path: @autoclosure () -> String) throws(DocumentRejection) -> [JSONObject] {
        try requiredObjects(field.name, in: path())
    }
}
