/// A vendor's generated documents, endpoint by endpoint, and what the tests and `describe()`
/// ask of them by window.
package protocol SandboxInvoiceData {
    associatedtype Endpoint: CaseIterable

    /// Every document the endpoint serves, in the order it serves them (date, then `InvoiceID`).
    func documents(_ endpoint: Endpoint) -> [SandboxInvoice]
}

extension SandboxInvoiceData {
    /// The documents of that endpoint with `Header.Date` in `[from, to]` (inclusive,
    /// `YYYY-MM-DD`), in the order they are served.
    package func documents(_ endpoint: Endpoint, from: String, to: String) -> [SandboxInvoice] {
        documents(endpoint).filter { $0.date >= from && $0.date <= to }
    }

    /// Sum of `ExtendedPrice` (micro-units) over the price lines served by that endpoint for
    /// that window. (On 2tCloud's consolidated invoices that is the purchase amount, duplicates
    /// included, dropped lines not.)
    package func totalMicros(_ endpoint: Endpoint, from: String, to: String) -> Int64 {
        documents(endpoint, from: from, to: to).reduce(0) { $0 + $1.extendedPriceTotalMicros }
    }

    package func lineCount(_ endpoint: Endpoint, from: String, to: String) -> Int {
        documents(endpoint, from: from, to: to).reduce(0) { $0 + $1.lineCount }
    }

    package func documentCount(_ endpoint: Endpoint, from: String, to: String) -> Int {
        documents(endpoint).reduce(0) { $0 + ($1.date >= from && $1.date <= to ? 1 : 0) }
    }

    /// The document with that `InvoiceID` and the endpoint that serves it.
    func locate(invoiceID: String) -> (endpoint: Endpoint, document: SandboxInvoice)? {
        for endpoint in Endpoint.allCases {
            if let found = documents(endpoint).first(where: { $0.invoiceID == invoiceID }) { return (endpoint, found) }
        }
        return nil
    }
}
