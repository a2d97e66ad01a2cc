import Warehouse

/// One invoice document as the distributors serve it. Copaco and 2tCloud share the skeleton
/// (2tCloud's JSON is Copaco's v1 without `InvoiceRowHash`); the fields one of them alone sends
/// are optional here and absent from the other's documents. `InvoiceRenderer` writes both.
public struct SandboxInvoice: Sendable, Hashable {
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
    /// 2tCloud: rendered in the XML `Header` only.
    public var taxZoneID: String?
    /// 2tCloud: percent, exact decimal text; rendered in the XML `Header` only.
    public var taxPercentage: String?

    public var sender: SandboxParty
    public var receiver: SandboxParty
    public var customers: [SandboxCustomer]

    /// Not rendered. 2tCloud: which endpoint serves it.
    public var endpoint: TwoTCloudEndpoint?
    /// Not rendered. The cloud vendor billed (`"Microsoft"`, `"Acronis"`); `"Mixed"` on a
    /// 2tCloud customer invoice that bills both.
    public var vendor: String
    /// Not rendered. 2tCloud: the usage month the document bills, `YYYY-MM`.
    public var period: String = ""
    /// Not rendered. Copaco: for a customer specification, the `InvoiceID` of the purchase
    /// document it re-bills; nil for invoices and examples.
    public var specifiesInvoiceID: String?
    /// Not rendered. 0 as first issued, +1 for every re-issue.
    public var revision: Int = 0
    /// Whether the rendered document carries a `Totals` object.
    public var hasTotals: Bool = true

    public var isCredit: Bool { type == "Credit" }

    /// All price lines, customer by customer, subscription by subscription.
    public var allPriceLines: [SandboxPriceLine] {
        customers.flatMap { $0.subscriptions.flatMap(\.priceLines) }
    }

    public var lineCount: Int {
        var count = 0
        for customer in customers { for subscription in customer.subscriptions { count += subscription.priceLines.count } }
        return count
    }

    /// Sum of `ExtendedPrice` over the document's lines, micro-units.
    public var extendedPriceTotalMicros: Int64 { sum(\.extendedPriceMicros) }

    public var vatTotalMicros: Int64 { sum(\.vatMicros) }

    private func sum(_ amount: KeyPath<SandboxPriceLine, Int64>) -> Int64 {
        var total: Int64 = 0
        for customer in customers { for subscription in customer.subscriptions { for line in subscription.priceLines { total += line[keyPath: amount] } } }
        return total
    }
}

/// `Sender` / `Receiver` of a document. In 2tCloud's XML the Receiver's `Address` is named `Street`.
public struct SandboxParty: Sendable, Hashable {
    /// nil renders as `null` (JSON) or `<AccountID />` (XML): 2tCloud itself has no account ID.
    public var accountID: Int?
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

public struct SandboxCustomer: Sendable, Hashable {
    /// A number in the documents (`"AccountID": 600431`).
    public var accountID: Int
    /// Kept as text: some carry leading zeros (`"000417"`).
    public var customerNumber: String
    public var companyName: String
    /// `CostCenter`, or `CustomerCostCenter` on 2tCloud's consolidated invoices; nil: `null` / self-closing.
    public var costCenter: String?
    public var subscriptions: [SandboxSubscription]
}

/// Copaco's `SubscriptionDetails` entries.
public struct SandboxSubscriptionDetail: Sendable, Hashable {
    public var attribute: String
    public var value: String
    public var description: String
    public var noshow: Bool
}

public struct SandboxSubscription: Sendable, Hashable {
    public var subscriptionID: Int
    public var subscriptionName: String
    public var startDate: String
    public var planID: Int
    public var planName: String
    public var planCategoryName: String
    public var billingModel: Int
    public var poNumber: String?
    /// Copaco only; empty: absent.
    public var details: [SandboxSubscriptionDetail] = []
    public var priceLines: [SandboxPriceLine]
}

/// A name and value of Copaco's `VendorDetails` object.
public struct SandboxAttribute: Sendable, Hashable {
    public var name: String
    public var value: String
}

public struct SandboxPriceLine: Sendable, Hashable {
    public var lineID: Int
    public var uid: String
    /// Copaco: present on lines of documents dated on/after 2024-03-07; the same on the purchase
    /// line and on its customer-specification line.
    public var invoiceRowHash: String?
    public var sku: String
    public var description: String
    /// Exact decimal text, rendered as a number (`3`, `412.375`, `-2`).
    public var quantity: String
    public var quantityType: String
    public var unitPriceMicros: Int64
    /// Percent, exact decimal text (`0`, `2.5`).
    public var discountPercent: String
    /// Authoritative line amount excluding VAT, micro-units (up to 6 decimals on the wire).
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
    /// nil renders as `null` / self-closing.
    public var billingFrequency: String?
    /// Copaco; nil: absent.
    public var ratePeriodID: Int?
    /// `Cycle Fee`, `Usage Fee`, `Correction`; nil: absent.
    public var chargeType: String?
    /// Copaco; nil: absent.
    public var consumerCompanyName: String?
    /// Copaco; nil: absent.
    public var consumerCompanyNumber: String?
    /// nil renders as `null` / self-closing.
    public var subPONumber: String?
    /// Copaco: rendered as the `VendorDetails` object in this order; empty: absent.
    public var vendorDetails: [SandboxAttribute] = []
    /// 2tCloud's consolidated invoices only (nil: absent elsewhere): the purchase line's `ExtendedPrice`.
    public var purchasePriceMicros: Int64?
    /// Consolidated only: the purchase line's discount percent.
    public var purchaseDiscount: String?
    /// Consolidated only: the customer line's `ExtendedPrice` (0 when the line was not billed).
    public var salesPriceMicros: Int64?
    /// Consolidated only: the customer line's discount percent.
    public var salesDiscount: String?

    public var quantityMicros: Int64 { (try? Money(parsing: quantity).micros) ?? 0 }
}
