import Warehouse

extension CopacoSandboxData {
    /// What `billInSecondCurrency` added.
    package struct SecondCurrency: Sendable, Hashable {
        /// The purchase document in the second currency.
        package var invoiceID: String
        /// Its customer specification in the second currency (every line but the last).
        package var specificationID: String
        /// A specification in the first currency billing that last line (same `InvoiceRowHash`,
        /// or the same key without one): a pair whose currencies differ.
        package var mismatchedSpecificationID: String
        package var customerNumber: String
        package var currency: String
    }

    /// Bills one customer in a second currency as well: that customer's part of its latest
    /// Microsoft invoice with two or more lines is issued again in `currency` (new InvoiceIDs
    /// and row hashes, same date and period) and re-billed in that currency at cost × 1.2,
    /// except its last line, which is billed in the invoice's own currency instead. Returns nil
    /// when the customer has no such invoice. Anomalies are recomputed (the reference
    /// reconciler ignores currencies: the mismatch is not among them).
    package mutating func billInSecondCurrency(customerNumber: String, currency: String = "USD") -> SecondCurrency? {
        guard let source = invoices.last(where: { invoice in
            !invoice.isCredit && invoice.vendor == "Microsoft"
                && (invoice.customers.first { $0.customerNumber == customerNumber }?.subscriptions.flatMap(\.priceLines).count ?? 0) >= 2
        }), var customer = source.customers.first(where: { $0.customerNumber == customerNumber }) else { return nil }
        var rng = SplitMix64.derive(seed, SplitMix64.label(source.invoiceID), SplitMix64.label(currency))
        for s in customer.subscriptions.indices {
            for p in customer.subscriptions[s].priceLines.indices where customer.subscriptions[s].priceLines[p].invoiceRowHash != nil {
                customer.subscriptions[s].priceLines[p].invoiceRowHash = rng.hex(40)
            }
        }
        var invoice = source
        invoice.invoiceID = source.invoiceID + "-" + currency
        invoice.currency = currency
        invoice.customers = [customer]
        invoice.revision = 0

        func billed(_ line: SandboxPriceLine) -> SandboxPriceLine {
            var out = line
            out.uid = rng.guid()
            out.unitPriceMicros = ExactArithmetic.mulDiv(line.unitPriceMicros, 1200, 1000)
            out.extendedPriceMicros = ExactArithmetic.roundToCents(ExactArithmetic.mulDiv(line.extendedPriceMicros, 1200, 1000))
            out.vatMicros = 0
            out.taxPercentage = "0"
            out.taxZoneID = "NL-0"
            return out
        }
        let lastSubscription = customer.subscriptions.lastIndex { !$0.priceLines.isEmpty }!
        var inCurrency = customer, inOwnCurrency = customer
        for s in customer.subscriptions.indices {
            let lines = customer.subscriptions[s].priceLines
            inCurrency.subscriptions[s].priceLines = (s == lastSubscription ? Array(lines.dropLast()) : lines).map(billed)
            inOwnCurrency.subscriptions[s].priceLines = s == lastSubscription ? [billed(lines.last!)] : []
        }
        inCurrency.subscriptions.removeAll { $0.priceLines.isEmpty }
        inOwnCurrency.subscriptions.removeAll { $0.priceLines.isEmpty }

        var specification = invoice
        specification.invoiceID = "CS-" + invoice.invoiceID
        specification.specifiesInvoiceID = invoice.invoiceID
        specification.customers = [inCurrency]
        specification.description = "Klantspecificatie bij \(invoice.invoiceID)"
        var mismatched = specification
        mismatched.invoiceID = "CS-" + invoice.invoiceID + "-" + source.currency
        mismatched.currency = source.currency
        mismatched.specifiesInvoiceID = nil
        mismatched.customers = [inOwnCurrency]

        invoices.append(invoice)
        specifications.append(contentsOf: [specification, mismatched])
        invoices.sort(by: SandboxInvoice.issueOrder)
        specifications.sort(by: SandboxInvoice.issueOrder)
        anomalies = computeAllAnomalies()
        return SecondCurrency(invoiceID: invoice.invoiceID, specificationID: specification.invoiceID,
                              mismatchedSpecificationID: mismatched.invoiceID, customerNumber: customerNumber, currency: currency)
    }
}
