import Warehouse

/// One invoice document as the distributors serve it. Copaco and 2tCloud share the skeleton
/// (2tCloud's JSON is Copaco's v1 without `InvoiceRowHash`); the fields one of them alone sends
/// are optional here and absent from the other's documents. `InvoiceRenderer` writes both.
package struct SandboxInvoice: Sendable, Hashable {
    /// The order a vendor lists its documents in: by date, then by number.
    static func issueOrder(_ a: SandboxInvoice, _ b: SandboxInvoice) -> Bool {
        a.date != b.date ? a.date < b.date : a.invoiceID < b.invoiceID
    }

    // Header
    package var invoiceID: String
    /// `Header.Date`, `YYYY-MM-DD` (rendered `YYYY-MM-DDT00:00:00`); the query filters on it.
    package var date: String
    package var expirationDate: String
    package var currency: String
    /// `"Invoice"` or `"Credit"`.
    package var type: String
    /// 380 for an invoice, 381 for a credit note (UN/CEFACT 1001 codes).
    package var typeIdentifier: Int
    package var description: String
    package var language: String
    package var languageCode: String
    package var termsOfPaymentDays: Int
    /// 2tCloud: rendered in the XML `Header` only.
    package var taxZoneID: String?
    /// 2tCloud: percent, exact decimal text; rendered in the XML `Header` only.
    package var taxPercentage: String?

    package var sender: SandboxParty
    package var receiver: SandboxParty
    package var customers: [SandboxCustomer]

    /// Not rendered. 2tCloud: which endpoint serves it.
    package var endpoint: TwoTCloudEndpoint?
    /// Not rendered. The cloud vendor billed (`"Microsoft"`, `"Acronis"`); `"Mixed"` on a
    /// 2tCloud customer invoice that bills both.
    package var vendor: String
    /// Not rendered. 2tCloud: the usage month the document bills, `YYYY-MM`.
    package var period: String = ""
    /// Not rendered. Copaco: for a customer specification, the `InvoiceID` of the purchase
    /// document it re-bills; nil for invoices and examples.
    package var specifiesInvoiceID: String?
    /// Not rendered. 0 as first issued, +1 for every re-issue.
    package var revision: Int = 0
    /// Whether the rendered document carries a `Totals` object.
    package var hasTotals: Bool = true

    package var isCredit: Bool { type == "Credit" }

    /// All price lines, customer by customer, subscription by subscription.
    package var allPriceLines: [SandboxPriceLine] {
        customers.flatMap { $0.subscriptions.flatMap(\.priceLines) }
    }

    package var lineCount: Int {
        var count = 0
        for customer in customers { for subscription in customer.subscriptions { count += subscription.priceLines.count } }
        return count
    }

    /// Sum of `ExtendedPrice` over the document's lines, micro-units.
    package var extendedPriceTotalMicros: Int64 { sum(\.extendedPriceMicros) }

    package var vatTotalMicros: Int64 { sum(\.vatMicros) }

    private func sum(_ amount: KeyPath<SandboxPriceLine, Int64>) -> Int64 {
        var total: Int64 = 0
        for customer in customers { for subscription in customer.subscriptions { for line in subscription.priceLines { total += line[keyPath: amount] } } }
        return total
    }
}

extension SandboxInvoice {
    /// A new document without customers: EUR, Dutch, an invoice (380) or a credit note (381),
    /// due `terms` days after `date`.
    init(id: String, date: CalendarDate, credit: Bool, description: String, terms: Int, sender: SandboxParty, receiver: SandboxParty,
         vendor: String) {
        self.init(invoiceID: id, date: date.iso, expirationDate: date.adding(days: terms).iso, currency: "EUR",
                  type: credit ? "Credit" : "Invoice", typeIdentifier: credit ? 381 : 380, description: description,
                  language: "Nederlands", languageCode: "nl-NL", termsOfPaymentDays: terms, sender: sender, receiver: receiver,
                  customers: [], vendor: vendor)
    }
}

/// `Sender` / `Receiver` of a document. In 2tCloud's XML the Receiver's `Address` is named `Street`.
package struct SandboxParty: Sendable, Hashable {
    /// nil renders as `null` (JSON) or `<AccountID />` (XML): 2tCloud itself has no account ID.
    package var accountID: Int?
    package var customerNumber: String
    package var companyName: String
    package var address: String
    package var zip: String
    package var city: String
    package var country: String
    package var countryCode: String
    package var vatNumber: String
    package var email: String
}

package struct SandboxCustomer: Sendable, Hashable {
    /// A number in the documents (`"AccountID": 600431`).
    package var accountID: Int
    /// Kept as text: some carry leading zeros (`"000417"`).
    package var customerNumber: String
    package var companyName: String
    /// `CostCenter`, or `CustomerCostCenter` on 2tCloud's consolidated invoices; nil: `null` / self-closing.
    package var costCenter: String?
    package var subscriptions: [SandboxSubscription]
}

/// Copaco's `SubscriptionDetails` entries.
package struct SandboxSubscriptionDetail: Sendable, Hashable {
    package var attribute: String
    package var value: String
    package var description: String
    package var noshow: Bool
}

package struct SandboxSubscription: Sendable, Hashable {
    package var subscriptionID: Int
    package var subscriptionName: String
    package var startDate: String
    package var planID: Int
    package var planName: String
    package var planCategoryName: String
    package var billingModel: Int
    package var poNumber: String?
    /// Copaco only; empty: absent.
    package var details: [SandboxSubscriptionDetail] = []
    package var priceLines: [SandboxPriceLine]
}

/// A name and value of Copaco's `VendorDetails` object.
package struct SandboxAttribute: Sendable, Hashable {
    package var name: String
    package var value: String
}

package struct SandboxPriceLine: Sendable, Hashable {
    package var lineID: Int
    package var uid: String
    /// Copaco: present on lines of documents dated on/after 2024-03-07; the same on the purchase
    /// line and on its customer-specification line.
    package var invoiceRowHash: String?
    package var sku: String
    package var description: String
    /// Exact decimal text, rendered as a number (`3`, `412.375`, `-2`).
    package var quantity: String
    package var quantityType: String
    package var unitPriceMicros: Int64
    /// Percent, exact decimal text (`0`, `2.5`).
    package var discountPercent: String
    /// Authoritative line amount excluding VAT, micro-units (up to 6 decimals on the wire).
    package var extendedPriceMicros: Int64
    package var vatMicros: Int64
    /// Percent, exact decimal text (`21`, `0`).
    package var taxPercentage: String
    package var taxZoneID: String
    package var startDate: String
    package var endDate: String
    /// Rendered as a JSON number when it is all digits, as a string otherwise.
    package var duration: String
    package var durationType: String
    /// nil renders as `null` / self-closing.
    package var billingFrequency: String?
    /// Copaco; nil: absent.
    package var ratePeriodID: Int?
    /// `Cycle Fee`, `Usage Fee`, `Correction`; nil: absent.
    package var chargeType: String?
    /// Copaco; nil: absent.
    package var consumerCompanyName: String?
    /// Copaco; nil: absent.
    package var consumerCompanyNumber: String?
    /// nil renders as `null` / self-closing.
    package var subPONumber: String?
    /// Copaco: rendered as the `VendorDetails` object in this order; empty: absent.
    package var vendorDetails: [SandboxAttribute] = []
    /// 2tCloud's consolidated invoices only (nil: absent elsewhere): the purchase line's `ExtendedPrice`.
    package var purchasePriceMicros: Int64?
    /// Consolidated only: the purchase line's discount percent.
    package var purchaseDiscount: String?
    /// Consolidated only: the customer line's `ExtendedPrice` (0 when the line was not billed).
    package var salesPriceMicros: Int64?
    /// Consolidated only: the customer line's discount percent.
    package var salesDiscount: String?

    package var quantityMicros: Int64 { (try? Money(parsing: quantity).micros) ?? 0 }
}
