import Warehouse

/// Generated, deterministic data for the fake Copaco Cloud Billing API v1.
///
/// Same seed + same dates + same knobs => the same documents, and byte-identical responses.
/// Each month's documents come from their own PRNG stream (seed, vendor, month), so moving
/// `today` forward adds documents without changing the ones already generated — as a real
/// vendor's history behaves.
package struct CopacoSandboxData: SandboxInvoiceData, Sendable {
    /// Lines of documents dated on or after this day carry an `InvoiceRowHash`; older ones none.
    package static let invoiceRowHashStartDate = "2024-03-07"

    package let seed: UInt64
    /// Documents are dated in `[firstDate, today]`.
    package let firstDate: String
    package let today: String
    package let customerCount: Int
    package let linesPerSubscriptionScale: Int

    /// Served by `/api/v1/invoices`: purchase invoices and credit notes (the reseller's cost).
    package var invoices: [SandboxInvoice]
    /// Served by `/api/v1/customer-specifications`: what each customer pays (selling prices).
    package var specifications: [SandboxInvoice]
    /// Served by `/api/v1/example-invoices`: fictional documents.
    package var examples: [SandboxInvoice]
    /// What a correct reconciliation must flag, derived from the documents (invoice vs. its
    /// specification, joined on `InvoiceRowHash`, else on customer + subscription + SKU + period).
    /// Kept up to date by `reissue`.
    package var anomalies: [CopacoSandboxAnomaly]

    /// Generates the data. Dates are `YYYY-MM-DD`; `customers` end customers of the reseller;
    /// `linesPerSubscriptionScale` multiplies the metered lines per usage subscription, for
    /// benchmarks: with 8 customers, about 23 invoice price lines per month per unit of scale
    /// (seed 1, 2023-10…2025-06, scale 40: 18 168 lines, 12 MB of JSON), so ~1M lines over 20
    /// months is a scale of about 2 200 (or more customers).
    package static func generate(seed: UInt64, from firstDate: String, to today: String, customers: Int = 8, linesPerSubscriptionScale: Int = 1) -> CopacoSandboxData {
        guard let first = CalendarDate(iso: firstDate) else { preconditionFailure("firstDate must be YYYY-MM-DD: \(firstDate)") }
        guard let last = CalendarDate(iso: today) else { preconditionFailure("today must be YYYY-MM-DD: \(today)") }
        var generator = CopacoGenerator(seed: seed, first: first, today: last,
                                        customerCount: max(0, customers), scale: max(1, linesPerSubscriptionScale))
        generator.run()
        var data = CopacoSandboxData(seed: seed, firstDate: firstDate, today: today, customerCount: max(0, customers),
                                     linesPerSubscriptionScale: max(1, linesPerSubscriptionScale),
                                     invoices: generator.invoices, specifications: generator.specifications,
                                     examples: generator.examples, anomalies: [])
        data.anomalies = data.computeAllAnomalies()
        return data
    }

    package func documents(_ endpoint: CopacoEndpoint) -> [SandboxInvoice] {
        switch endpoint {
        case .invoices: invoices
        case .customerSpecifications: specifications
        case .exampleInvoices: examples
        }
    }

    /// The document with that `InvoiceID`, on whichever endpoint serves it.
    package func document(invoiceID: String) -> (endpoint: CopacoEndpoint, document: SandboxInvoice)? { locate(invoiceID: invoiceID) }

    /// The exact response body the sandbox serves for that window (no faults armed):
    /// `{"Invoices":[...]}`. Dates `YYYY-MM-DD`, inclusive.
    package func responseBody(_ endpoint: CopacoEndpoint, from: String, to: String) -> [UInt8] {
        InvoiceRenderer.responseChunks(documents(endpoint, from: from, to: to), dialect: .copaco, options: .init(seed: seed)).flatMap { $0 }
    }

    // MARK: Re-issue

    /// Re-issues a document: same `InvoiceID` and date, changed content — the first line's
    /// quantity goes up by one (down by one on a credit note) with `ExtendedPrice` and `VAT`
    /// recomputed, and one line is added to the same subscription. Returns false when no
    /// document has that `InvoiceID`.
    @discardableResult
    package mutating func reissue(invoiceID: String) -> Bool {
        if let index = invoices.firstIndex(where: { $0.invoiceID == invoiceID }) {
            CopacoGenerator.reissue(&invoices[index], seed: seed)
        } else if let index = specifications.firstIndex(where: { $0.invoiceID == invoiceID }) {
            CopacoGenerator.reissue(&specifications[index], seed: seed)
        } else if let index = examples.firstIndex(where: { $0.invoiceID == invoiceID }) {
            CopacoGenerator.reissue(&examples[index], seed: seed)
            return true
        } else {
            return false
        }
        // Refresh the anomalies of the affected invoice/specification pair.
        let invoiceKey: String
        if let spec = specifications.first(where: { $0.invoiceID == invoiceID }) {
            invoiceKey = spec.specifiesInvoiceID ?? invoiceID
        } else {
            invoiceKey = invoiceID
        }
        guard let invoice = invoices.first(where: { $0.invoiceID == invoiceKey }) else { return true }
        let spec = specifications.first(where: { $0.specifiesInvoiceID == invoiceKey })
        let fresh = CopacoReferenceReconciler.anomalies(invoice: invoice, specification: spec)
        let position = anomalies.firstIndex(where: { $0.invoiceID == invoiceKey || ($0.specificationID != nil && $0.specificationID == spec?.invoiceID) })
        anomalies.removeAll { $0.invoiceID == invoiceKey || ($0.specificationID != nil && $0.specificationID == spec?.invoiceID) }
        anomalies.insert(contentsOf: fresh, at: min(position ?? anomalies.count, anomalies.count))
        return true
    }

    func computeAllAnomalies() -> [CopacoSandboxAnomaly] {
        var specsByInvoice: [String: SandboxInvoice] = [:]
        for spec in specifications { if let source = spec.specifiesInvoiceID { specsByInvoice[source] = spec } }
        var result: [CopacoSandboxAnomaly] = []
        for invoice in invoices {
            result.append(contentsOf: CopacoReferenceReconciler.anomalies(invoice: invoice, specification: specsByInvoice[invoice.invoiceID]))
        }
        return result
    }
}

/// Copaco's reconciliation rules (docs/vendors.md), applied to one purchase document and its customer
/// specification, to state what the generated data contains. Deliberately simple and
/// independent of the Reconciliation module: it is the oracle the end-to-end tests compare with.
enum CopacoReferenceReconciler {
    struct Flat {
        let customerNumber: String
        let subscriptionID: Int
        let line: SandboxPriceLine
        var key: String { "\(customerNumber)\u{1}\(subscriptionID)\u{1}\(line.sku)\u{1}\(line.startDate)\u{1}\(line.endDate)" }
    }

    static func flatten(_ document: SandboxInvoice?) -> [Flat] {
        guard let document else { return [] }
        var out: [Flat] = []
        for customer in document.customers {
            for subscription in customer.subscriptions {
                for line in subscription.priceLines {
                    out.append(Flat(customerNumber: customer.customerNumber, subscriptionID: subscription.subscriptionID, line: line))
                }
            }
        }
        return out
    }

    static func anomalies(invoice: SandboxInvoice, specification: SandboxInvoice?) -> [CopacoSandboxAnomaly] {
        let bought = flatten(invoice)
        let billed = flatten(specification)
        var result: [CopacoSandboxAnomaly] = []
        var billedUsed = [Bool](repeating: false, count: billed.count)
        var hashIndex: [String: Int] = [:]
        var keyIndex: [String: [Int]] = [:]
        for (index, flat) in billed.enumerated() {
            if let hash = flat.line.invoiceRowHash { hashIndex[hash] = index } else { keyIndex[flat.key, default: []].append(index) }
        }
        var boughtByKey: [String: [Int]] = [:]
        for (index, flat) in bought.enumerated() where flat.line.invoiceRowHash == nil {
            boughtByKey[flat.key, default: []].append(index)
        }
        var reportedKeys = Set<String>()

        func anomaly(_ kind: CopacoSandboxAnomaly.Kind, _ flat: Flat, invoiceLines: [Int], specLines: [Int]) -> CopacoSandboxAnomaly {
            CopacoSandboxAnomaly(
                kind: kind, date: kind == .unbacked ? (specification?.date ?? invoice.date) : invoice.date,
                invoiceID: kind == .unbacked ? nil : invoice.invoiceID,
                specificationID: kind == .unbilled ? nil : specification?.invoiceID,
                customerNumber: flat.customerNumber, subscriptionID: flat.subscriptionID, sku: flat.line.sku,
                startDate: flat.line.startDate, endDate: flat.line.endDate, invoiceRowHash: flat.line.invoiceRowHash,
                invoiceLineIDs: invoiceLines, specificationLineIDs: specLines)
        }

        for flat in bought {
            if let hash = flat.line.invoiceRowHash {
                if let match = hashIndex[hash] {
                    billedUsed[match] = true
                    if billed[match].line.quantityMicros != flat.line.quantityMicros {
                        result.append(anomaly(.quantityMismatch, flat, invoiceLines: [flat.line.lineID], specLines: [billed[match].line.lineID]))
                    }
                } else {
                    result.append(anomaly(.unbilled, flat, invoiceLines: [flat.line.lineID], specLines: []))
                }
                continue
            }
            let key = flat.key
            let candidates = keyIndex[key] ?? []
            let sameKeyBought = boughtByKey[key] ?? []
            if candidates.isEmpty {
                result.append(anomaly(.unbilled, flat, invoiceLines: [flat.line.lineID], specLines: []))
            } else if candidates.count == 1 && sameKeyBought.count == 1 {
                billedUsed[candidates[0]] = true
                if billed[candidates[0]].line.quantityMicros != flat.line.quantityMicros {
                    result.append(anomaly(.quantityMismatch, flat, invoiceLines: [flat.line.lineID], specLines: [billed[candidates[0]].line.lineID]))
                }
            } else {
                for index in candidates { billedUsed[index] = true }
                if reportedKeys.insert(key).inserted {
                    result.append(anomaly(.ambiguous, flat, invoiceLines: sameKeyBought.map { bought[$0].line.lineID },
                                          specLines: candidates.map { billed[$0].line.lineID }))
                }
            }
        }
        for (index, flat) in billed.enumerated() where !billedUsed[index] {
            result.append(anomaly(.unbacked, flat, invoiceLines: [], specLines: [flat.line.lineID]))
        }
        return result
    }
}
