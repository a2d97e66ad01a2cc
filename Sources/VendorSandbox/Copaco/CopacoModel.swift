import Warehouse

/// The three endpoints of Copaco Cloud's Billing API v1 (docs/vendors.md).
public enum CopacoEndpoint: String, Sendable, CaseIterable {
    case invoices
    case customerSpecifications
    case exampleInvoices

    /// `/api/v1/invoices`, `/api/v1/customer-specifications`, `/api/v1/example-invoices`
    public func path() -> String {
        switch self {
        case .invoices: "/api/v1/invoices"
        case .customerSpecifications: "/api/v1/customer-specifications"
        case .exampleInvoices: "/api/v1/example-invoices"
        }
    }

    public init?(path: String) {
        guard let match = CopacoEndpoint.allCases.first(where: { $0.path() == path }) else { return nil }
        self = match
    }
}

/// `Sender` / `Receiver` of a document.
public struct CopacoSandboxParty: Sendable, Hashable {
    public var accountID: Int
    public var customerNumber: String
    public var companyName: String
    public var address: String
    public var zip: String
    public var city: String
    public var country: String
    public var countryCode: String
    public var vatNumber: String
    public var email: String
}

/// One document (`Invoice` in the contract) as served in `{"Invoices":[...]}`.
public struct CopacoSandboxDocument: Sendable, Hashable {
    // Header
    public var invoiceID: String
    /// `Header.Date`, `YYYY-MM-DD` (rendered `YYYY-MM-DDT00:00:00`); the query filters on it.
    public var date: String
    public var expirationDate: String
    public var currency: String
    /// `"Invoice"` or `"Credit"`.
    public var type: String
    /// 380 for an invoice, 381 for a credit note (UN/CEFACT 1001 codes).
    public var typeIdentifier: Int
    public var description: String
    public var language: String
    public var languageCode: String
    public var termsOfPaymentDays: Int

    public var sender: CopacoSandboxParty
    public var receiver: CopacoSandboxParty
    public var customers: [CopacoSandboxCustomer]

    /// Not rendered. The cloud vendor billed (`"Microsoft"`, `"VMware"`).
    public var vendor: String
    /// Not rendered. For a customer specification: the `InvoiceID` of the purchase document it
    /// re-bills; nil for invoices and examples.
    public var specifiesInvoiceID: String?
    /// Not rendered. 0 as first issued, +1 for every `VendorSandbox.reissue(invoiceID:)`.
    public var revision: Int = 0
    /// Whether the rendered document carries a `Totals` object.
    public var hasTotals: Bool = true

    public var isCredit: Bool { type == "Credit" }

    /// All price lines, customer by customer, subscription by subscription.
    public var allPriceLines: [CopacoSandboxPriceLine] {
        customers.flatMap { $0.subscriptions.flatMap(\.priceLines) }
    }

    public var lineCount: Int {
        var count = 0
        for customer in customers { for subscription in customer.subscriptions { count += subscription.priceLines.count } }
        return count
    }

    /// Sum of `ExtendedPrice` over the document's lines, micro-units.
    public var extendedPriceTotalMicros: Int64 {
        var total: Int64 = 0
        for customer in customers { for subscription in customer.subscriptions { for line in subscription.priceLines { total += line.extendedPriceMicros } } }
        return total
    }

    public var vatTotalMicros: Int64 {
        var total: Int64 = 0
        for customer in customers { for subscription in customer.subscriptions { for line in subscription.priceLines { total += line.vatMicros } } }
        return total
    }
}

public struct CopacoSandboxCustomer: Sendable, Hashable {
    public var accountID: Int
    /// Kept as text: some carry leading zeros (`"000417"`).
    public var customerNumber: String
    public var companyName: String
    public var costCenter: String?
    public var subscriptions: [CopacoSandboxSubscription]
}

public struct CopacoSandboxSubscriptionDetail: Sendable, Hashable {
    public var attribute: String
    public var value: String
    public var description: String
    public var noshow: Bool
}

public struct CopacoSandboxSubscription: Sendable, Hashable {
    public var subscriptionID: Int
    public var subscriptionName: String
    public var startDate: String
    public var planID: Int
    public var planName: String
    public var planCategoryName: String
    public var billingModel: Int
    public var poNumber: String?
    public var details: [CopacoSandboxSubscriptionDetail]
    public var priceLines: [CopacoSandboxPriceLine]
}

public struct CopacoSandboxAttribute: Sendable, Hashable {
    public var name: String
    public var value: String
}

public struct CopacoSandboxPriceLine: Sendable, Hashable {
    public var lineID: Int
    public var uid: String
    /// Present on lines of documents dated on/after 2024-03-07; the same on the purchase line
    /// and on its customer-specification line.
    public var invoiceRowHash: String?
    public var sku: String
    public var description: String
    /// Exact decimal text, rendered as a JSON number (`3`, `12.375`, `-2`).
    public var quantity: String
    public var quantityType: String
    public var unitPriceMicros: Int64
    /// Percent, exact decimal text (`0`, `2.5`).
    public var discountPercent: String
    /// Authoritative line amount excluding VAT, micro-units.
    public var extendedPriceMicros: Int64
    public var vatMicros: Int64
    /// Percent, exact decimal text (`21`, `0`).
    public var taxPercentage: String
    public var taxZoneID: String
    public var startDate: String
    public var endDate: String
    /// Rendered as a JSON number when it is all digits, as a string otherwise.
    public var duration: String
    public var durationType: String
    /// nil renders as `null`.
    public var billingFrequency: String?
    /// nil: absent.
    public var ratePeriodID: Int?
    /// nil: absent (some lines carry no `ChargeType`).
    public var chargeType: String?
    /// nil: absent.
    public var consumerCompanyName: String?
    /// nil: absent.
    public var consumerCompanyNumber: String?
    /// nil renders as `null`.
    public var subPONumber: String?
    /// Rendered as the `VendorDetails` object in this order; empty: absent.
    public var vendorDetails: [CopacoSandboxAttribute]

    public var quantityMicros: Int64 { (try? Money(parsing: quantity).micros) ?? 0 }
}

/// A built-in reconciliation exception of the generated data: what a correct reconciliation
/// must report. `invoiceLineIDs` / `specificationLineIDs` are `LineId`s in those documents.
public struct CopacoSandboxAnomaly: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Bought but missing from the customer specification (revenue leakage).
        case unbilled
        /// On a customer specification with no purchase line behind it.
        case unbacked
        /// Matched, but the specification bills another quantity than was bought.
        case quantityMismatch = "quantity_mismatch"
        /// Pre-2024-03-07 (no `InvoiceRowHash`): two lines share customer + subscription + SKU + period.
        case ambiguous
    }

    public var kind: Kind
    /// `Header.Date` of the purchase document (of the specification for `unbacked`).
    public var date: String
    public var invoiceID: String?
    public var specificationID: String?
    public var customerNumber: String
    public var subscriptionID: Int
    public var sku: String
    public var startDate: String
    public var endDate: String
    public var invoiceRowHash: String?
    public var invoiceLineIDs: [Int]
    public var specificationLineIDs: [Int]
}
