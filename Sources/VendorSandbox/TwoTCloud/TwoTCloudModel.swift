import Warehouse

/// The three endpoints of the 2tCloud Billing API (docs/vendors.md).
public enum TwoTCloudEndpoint: String, Sendable, CaseIterable {
    /// Purchase invoices: the reseller's cost, one document per cloud vendor per month.
    case invoices
    /// Sales invoices: one document per customer per month, at the reseller's selling prices.
    case customerInvoices
    /// A merged set of cost and selling prices, with the defects the vendor warns about.
    case consolidatedInvoices

    /// The last path segment: `invoices`, `customerinvoices`, `consolidatedinvoices`.
    public var pathComponent: String {
        switch self {
        case .invoices: "invoices"
        case .customerInvoices: "customerinvoices"
        case .consolidatedInvoices: "consolidatedinvoices"
        }
    }

    /// `/v2/invoices`, `/v2/customerinvoices`, `/v2/consolidatedinvoices` (for `version` "v2").
    public func path(version: String = "v2") -> String { "/\(version)/\(pathComponent)" }

    /// The endpoint named by that last path segment (letter case ignored).
    public init?(pathComponent: some StringProtocol) {
        let lower = pathComponent.lowercased()
        guard let match = TwoTCloudEndpoint.allCases.first(where: { $0.pathComponent == lower }) else { return nil }
        self = match
    }
}

/// How a 2tCloud response is rendered: `Accept: application/json` gives JSON, anything else XML.
public enum TwoTCloudFormat: String, Sendable, CaseIterable {
    case json
    case xml
}

/// `Sender` / `Receiver` of a document. In XML the Receiver's `Address` is named `Street`.
public struct TwoTCloudSandboxParty: Sendable, Hashable {
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

/// One document (`Invoice`) as served in `{"Invoices":[...]}` or `<InvoiceResponse>`.
public struct TwoTCloudSandboxDocument: Sendable, Hashable {
    // Header
    public var invoiceID: String
    /// `Header.Date`, `YYYY-MM-DD` (rendered `YYYY-MM-DDT00:00:00`); the query filters on it.
    public var date: String
    public var expirationDate: String
    public var currency: String
    /// `"Invoice"` or `"Credit"`.
    public var type: String
    /// 380 for an invoice, 381 for a credit note.
    public var typeIdentifier: Int
    public var description: String
    public var language: String
    public var languageCode: String
    public var termsOfPaymentDays: Int
    /// Rendered in the XML `Header` only.
    public var taxZoneID: String
    /// Percent, exact decimal text; rendered in the XML `Header` only.
    public var taxPercentage: String

    public var sender: TwoTCloudSandboxParty
    public var receiver: TwoTCloudSandboxParty
    public var customers: [TwoTCloudSandboxCustomer]

    /// Not rendered. Which endpoint serves it.
    public var endpoint: TwoTCloudEndpoint
    /// Not rendered. The cloud vendor billed (`"Microsoft"`, `"Acronis"`); `"Mixed"` on a
    /// customer invoice that bills both.
    public var vendor: String
    /// Not rendered. The usage month the document bills, `YYYY-MM`.
    public var period: String
    /// Not rendered. 0 as first issued, +1 for every re-issue.
    public var revision: Int = 0

    public var isCredit: Bool { type == "Credit" }

    public var allPriceLines: [TwoTCloudSandboxPriceLine] {
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

public struct TwoTCloudSandboxCustomer: Sendable, Hashable {
    /// A number in the documents (`"AccountID": 600431`).
    public var accountID: Int
    /// Kept as text: some carry leading zeros (`"000731"`).
    public var customerNumber: String
    public var companyName: String
    /// `CostCenter`, or `CustomerCostCenter` on consolidated invoices; nil: `null` / self-closing.
    public var costCenter: String?
    public var subscriptions: [TwoTCloudSandboxSubscription]
}

public struct TwoTCloudSandboxSubscription: Sendable, Hashable {
    public var subscriptionID: Int
    public var subscriptionName: String
    public var startDate: String
    public var planID: Int
    public var planName: String
    public var planCategoryName: String
    public var billingModel: Int
    public var poNumber: String?
    public var priceLines: [TwoTCloudSandboxPriceLine]
}

public struct TwoTCloudSandboxPriceLine: Sendable, Hashable {
    public var lineID: Int
    public var uid: String
    public var sku: String
    public var description: String
    /// Exact decimal text, rendered as a number (`3`, `412.375`, `-2`).
    public var quantity: String
    public var quantityType: String
    public var unitPriceMicros: Int64
    /// Percent, exact decimal text (`0`, `2.5`).
    public var discountPercent: String
    /// Line amount excluding VAT, micro-units (up to 6 decimals on the wire).
    public var extendedPriceMicros: Int64
    public var vatMicros: Int64
    public var taxPercentage: String
    public var taxZoneID: String
    public var startDate: String
    public var endDate: String
    public var duration: String
    public var durationType: String
    /// nil renders as `null` / self-closing.
    public var billingFrequency: String?
    /// `Cycle Fee`, `Usage Fee`, `Correction`; nil: absent.
    public var chargeType: String?
    /// nil renders as `null` / self-closing.
    public var subPONumber: String?
    /// Consolidated invoices only (nil: absent elsewhere): the purchase line's `ExtendedPrice`.
    public var purchasePriceMicros: Int64?
    /// Consolidated only: the purchase line's discount percent.
    public var purchaseDiscount: String?
    /// Consolidated only: the customer line's `ExtendedPrice` (0 when the line was not billed).
    public var salesPriceMicros: Int64?
    /// Consolidated only: the customer line's discount percent.
    public var salesDiscount: String?

    public var quantityMicros: Int64 { (try? Money(parsing: quantity).micros) ?? 0 }
}

/// A built-in reconciliation case of the generated data, per match key (customer `AccountID`
/// + `SubscriptionID` + `SKU` + `StartDate` + `EndDate`), purchase invoices vs. customer
/// invoices. Listed only for usage months whose customer invoices are out (`<= today`).
public struct TwoTCloudSandboxAnomaly: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Purchase line(s) with no customer-invoice line on the key (revenue leakage).
        case unbilled
        /// Customer-invoice line(s) with no purchase line on the key.
        case unbacked
        /// One line each side, different quantities.
        case quantityMismatch = "quantity_mismatch"
        /// Several lines on the key (a mid-period seat increase): pairing by quantity pairs them all.
        case seatIncreaseDecided = "seat_increase_decided"
        /// Several lines on the key: pairing by quantity leaves one line each side, with different quantities.
        case seatIncreaseRemainder = "seat_increase_remainder"
        /// Several lines on the key and quantity cannot decide (equal quantities, or 2 vs 1 that
        /// do not add up).
        case ambiguous
        /// Several lines on one side whose quantities add up to the one line on the other (10 + 5
        /// bought, 15 billed): matched as a group, the single line's amount split.
        case seatIncreaseSummed = "seat_increase_summed"
    }

    public var kind: Kind
    /// The usage month, `YYYY-MM`.
    public var period: String
    /// Purchase invoices with a line on the key (empty for `unbacked`).
    public var invoiceIDs: [String]
    /// Customer invoices with a line on the key (empty for `unbilled`).
    public var customerInvoiceIDs: [String]
    public var accountID: Int
    public var customerNumber: String
    public var subscriptionID: Int
    public var sku: String
    public var startDate: String
    public var endDate: String
    /// Quantities of the purchase lines on the key, in document order (exact text).
    public var purchaseQuantities: [String]
    /// Quantities of the customer-invoice lines on the key, in document order.
    public var customerQuantities: [String]
    public var purchaseLineIDs: [Int]
    public var customerLineIDs: [Int]
}

/// A built-in defect of a consolidated invoice (the vendor warns it "might not return all
/// lines, return lines more than once, or mismatch to wrong customer lines").
public struct TwoTCloudConsolidatedDefect: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A purchase line that is missing from the consolidated invoice.
        case dropped
        /// A line served twice (same `LineId`).
        case duplicated
        /// A line served under another customer than the one it belongs to.
        case misassigned
    }

    public var kind: Kind
    public var consolidatedInvoiceID: String
    /// The purchase invoice the line comes from.
    public var invoiceID: String
    /// `LineId` of the purchase line (the consolidated line carries the same `LineId`).
    public var lineID: Int
    /// The customer the line belongs to.
    public var accountID: Int
    /// `misassigned` only: the customer it is served under.
    public var servedUnderAccountID: Int?
}
