import Warehouse

/// The three endpoints of the 2tCloud Billing API (docs/vendors.md).
package enum TwoTCloudEndpoint: String, Sendable, CaseIterable {
    /// Purchase invoices: the reseller's cost, one document per cloud vendor per month.
    case invoices
    /// Sales invoices: one document per customer per month, at the reseller's selling prices.
    case customerInvoices
    /// A merged set of cost and selling prices, with the defects the vendor warns about.
    case consolidatedInvoices

    /// The last path segment: `invoices`, `customerinvoices`, `consolidatedinvoices`.
    package var pathComponent: String {
        switch self {
        case .invoices: "invoices"
        case .customerInvoices: "customerinvoices"
        case .consolidatedInvoices: "consolidatedinvoices"
        }
    }

    /// `/v2/invoices`, `/v2/customerinvoices`, `/v2/consolidatedinvoices` (for `version` "v2").
    package func path(version: String = "v2") -> String { "/\(version)/\(pathComponent)" }

    /// The endpoint named by that last path segment (letter case ignored).
    package init?(pathComponent: some StringProtocol) {
        let lower = pathComponent.lowercased()
        guard let match = TwoTCloudEndpoint.allCases.first(where: { $0.pathComponent == lower }) else { return nil }
        self = match
    }
}

/// How a 2tCloud response is rendered: `Accept: application/json` gives JSON, anything else XML.
package enum TwoTCloudFormat: String, Sendable, CaseIterable {
    case json
    case xml
}

/// A built-in reconciliation case of the generated data, per match key (customer `AccountID`
/// + `SubscriptionID` + `SKU` + `StartDate` + `EndDate`), purchase invoices vs. customer
/// invoices. Listed only for usage months whose customer invoices are out (`<= today`).
package struct TwoTCloudSandboxAnomaly: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
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
        /// Several lines on the key and quantity cannot decide (equal quantities; or 2 against 1,
        /// even when the two add up to the one).
        case ambiguous
    }

    package var kind: Kind
    /// The usage month, `YYYY-MM`.
    package var period: String
    /// Purchase invoices with a line on the key (empty for `unbacked`).
    package var invoiceIDs: [String]
    /// Customer invoices with a line on the key (empty for `unbilled`).
    package var customerInvoiceIDs: [String]
    package var accountID: Int
    package var customerNumber: String
    package var subscriptionID: Int
    package var sku: String
    package var startDate: String
    package var endDate: String
    /// Quantities of the purchase lines on the key, in document order (exact text).
    package var purchaseQuantities: [String]
    /// Quantities of the customer-invoice lines on the key, in document order.
    package var customerQuantities: [String]
    package var purchaseLineIDs: [Int]
    package var customerLineIDs: [Int]
}

/// A built-in defect of a consolidated invoice (the vendor warns it "might not return all
/// lines, return lines more than once, or mismatch to wrong customer lines").
package struct TwoTCloudConsolidatedDefect: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A purchase line that is missing from the consolidated invoice.
        case dropped
        /// A line served twice (same `LineId`).
        case duplicated
        /// A line served under another customer than the one it belongs to.
        case misassigned
    }

    package var kind: Kind
    package var consolidatedInvoiceID: String
    /// The purchase invoice the line comes from.
    package var invoiceID: String
    /// `LineId` of the purchase line (the consolidated line carries the same `LineId`).
    package var lineID: Int
    /// The customer the line belongs to.
    package var accountID: Int
    /// `misassigned` only: the customer it is served under.
    package var servedUnderAccountID: Int?
}
