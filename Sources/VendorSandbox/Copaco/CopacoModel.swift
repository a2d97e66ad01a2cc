import Warehouse

/// The three endpoints of Copaco Cloud's Billing API v1 (docs/vendors.md).
package enum CopacoEndpoint: String, Sendable, CaseIterable {
    case invoices
    case customerSpecifications
    case exampleInvoices

    /// `/api/v1/invoices`, `/api/v1/customer-specifications`, `/api/v1/example-invoices`
    package func path() -> String {
        switch self {
        case .invoices: "/api/v1/invoices"
        case .customerSpecifications: "/api/v1/customer-specifications"
        case .exampleInvoices: "/api/v1/example-invoices"
        }
    }

    package init?(path: String) {
        guard let match = CopacoEndpoint.allCases.first(where: { $0.path() == path }) else { return nil }
        self = match
    }
}

/// A built-in reconciliation exception of the generated data: what a correct reconciliation
/// must report. `invoiceLineIDs` / `specificationLineIDs` are `LineId`s in those documents.
package struct CopacoSandboxAnomaly: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Bought but missing from the customer specification (revenue leakage).
        case unbilled
        /// On a customer specification with no purchase line behind it.
        case unbacked
        /// Matched, but the specification bills another quantity than was bought.
        case quantityMismatch = "quantity_mismatch"
        /// Pre-2024-03-07 (no `InvoiceRowHash`): two lines share customer + subscription + SKU + period.
        case ambiguous
    }

    package var kind: Kind
    /// `Header.Date` of the purchase document (of the specification for `unbacked`).
    package var date: String
    package var invoiceID: String?
    package var specificationID: String?
    package var customerNumber: String
    package var subscriptionID: Int
    package var sku: String
    package var startDate: String
    package var endDate: String
    package var invoiceRowHash: String?
    package var invoiceLineIDs: [Int]
    package var specificationLineIDs: [Int]
}
