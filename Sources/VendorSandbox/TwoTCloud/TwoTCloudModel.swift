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
