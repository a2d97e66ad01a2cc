import Warehouse

/// Generated, deterministic data for the fake 2tCloud Billing API.
///
/// Same seed + same dates + same customer count => the same documents and byte-identical
/// responses. Each usage month comes from its own PRNG streams (seed, 2tCloud domain, month),
/// so moving `today` forward adds documents without changing the ones already generated.
/// See `TwoTCloudGenerator` for the billing calendar and the built-in cases.
package struct TwoTCloudSandboxData: SandboxInvoiceData, Sendable {
    package let seed: UInt64
    /// Documents are dated in `[firstDate, today]` (`YYYY-MM-DD`).
    package let firstDate: String
    package let today: String
    package let customerCount: Int

    /// `/{version}/invoices`: purchase invoices and credit notes (the reseller's cost), one per
    /// cloud vendor per month.
    package var invoices: [SandboxInvoice]
    /// `/{version}/customerinvoices`: one invoice (and now and then a credit note) per customer
    /// per month, at the reseller's selling prices.
    package var customerInvoices: [SandboxInvoice]
    /// `/{version}/consolidatedinvoices`: one per purchase document, defects included.
    package var consolidatedInvoices: [SandboxInvoice]
    /// What a correct reconciliation of invoices vs. customer invoices must report, derived from
    /// the documents (kept up to date by `reissue`). Usage months whose customer invoices are
    /// not out yet (dated after `today`) are left out: their purchase lines are pending.
    package var anomalies: [TwoTCloudSandboxAnomaly]
    /// The defects built into the consolidated invoices.
    package let consolidatedDefectList: [TwoTCloudConsolidatedDefect]

    /// No documents at all (what a configuration without 2tCloud data serves).
    package static let empty = TwoTCloudSandboxData(
        seed: 0, firstDate: "1970-01-01", today: "1970-01-01", customerCount: 0, invoices: [], customerInvoices: [],
        consolidatedInvoices: [], anomalies: [], consolidatedDefectList: [])

    /// Generates the data. Dates are `YYYY-MM-DD`; `customers` end customers of the reseller
    /// (8 give ~30 purchase lines a month).
    package static func generate(seed: UInt64, from firstDate: String, to today: String, customers: Int = 8) -> TwoTCloudSandboxData {
        guard let first = CalendarDate(iso: firstDate) else { preconditionFailure("firstDate must be YYYY-MM-DD: \(firstDate)") }
        guard let last = CalendarDate(iso: today) else { preconditionFailure("today must be YYYY-MM-DD: \(today)") }
        var generator = TwoTCloudGenerator(seed: seed, first: first, today: last, customerCount: max(0, customers))
        generator.run()
        var data = TwoTCloudSandboxData(
            seed: seed, firstDate: firstDate, today: today, customerCount: max(0, customers), invoices: generator.invoices,
            customerInvoices: generator.customerInvoices, consolidatedInvoices: generator.consolidated, anomalies: [],
            consolidatedDefectList: generator.defects)
        data.anomalies = TwoTCloudReferenceReconciler.anomalies(invoices: data.invoices, customerInvoices: data.customerInvoices)
        return data
    }

    // MARK: Accessors

    package func documents(_ endpoint: TwoTCloudEndpoint) -> [SandboxInvoice] {
        switch endpoint {
        case .invoices: invoices
        case .customerInvoices: customerInvoices
        case .consolidatedInvoices: consolidatedInvoices
        }
    }

    /// The document with that `InvoiceID`, on whichever endpoint serves it.
    package func document(invoiceID: String) -> SandboxInvoice? { locate(invoiceID: invoiceID)?.document }

    /// The exact response body the sandbox serves for that window (no faults armed).
    package func responseBody(_ endpoint: TwoTCloudEndpoint, from: String, to: String, format: TwoTCloudFormat = .json) -> [UInt8] {
        TwoTCloudRenderer.responseChunks(documents(endpoint, from: from, to: to), format: format, options: .init(seed: seed)).flatMap { $0 }
    }

    /// Consolidated-invoice defects by kind.
    package var consolidatedDefects: (dropped: Int, duplicated: Int, misassigned: Int) {
        var counts = (dropped: 0, duplicated: 0, misassigned: 0)
        for defect in consolidatedDefectList {
            switch defect.kind {
            case .dropped: counts.dropped += 1
            case .duplicated: counts.duplicated += 1
            case .misassigned: counts.misassigned += 1
            }
        }
        return counts
    }

    /// Anomalies per kind (every kind listed, zeros included).
    package var anomalyCounts: [(kind: TwoTCloudSandboxAnomaly.Kind, count: Int)] {
        let grouped = Dictionary(grouping: anomalies, by: \.kind)
        return TwoTCloudSandboxAnomaly.Kind.allCases.map { ($0, grouped[$0]?.count ?? 0) }
    }

    /// One line of what a reconciliation of this data must find, e.g. `3 unbilled, 2 unbacked, …;
    /// consolidated: 5 dropped, 3 duplicated, 2 misassigned`.
    package var expectations: String {
        let kinds = anomalyCounts.map { "\($0.count) \($0.kind.rawValue)" }.joined(separator: ", ")
        let defects = consolidatedDefects
        return "\(kinds); consolidated: \(defects.dropped) dropped, \(defects.duplicated) duplicated, \(defects.misassigned) misassigned"
    }

    // MARK: Re-issue

    /// Re-issues a document (any endpoint): same `InvoiceID` and date, changed content — the
    /// first line's quantity goes up by one (down by one on a credit note) with `ExtendedPrice`
    /// and `VAT` recomputed, and a line is added to the same subscription. The anomalies are
    /// recomputed; consolidated invoices are not rebuilt. Returns false when no document has
    /// that `InvoiceID`.
    @discardableResult
    package mutating func reissue(invoiceID: String) -> Bool {
        if let index = invoices.firstIndex(where: { $0.invoiceID == invoiceID }) {
            TwoTCloudSandboxData.reissue(&invoices[index], seed: seed, roundToCents: false)
        } else if let index = customerInvoices.firstIndex(where: { $0.invoiceID == invoiceID }) {
            TwoTCloudSandboxData.reissue(&customerInvoices[index], seed: seed, roundToCents: true)
        } else if let index = consolidatedInvoices.firstIndex(where: { $0.invoiceID == invoiceID }) {
            TwoTCloudSandboxData.reissue(&consolidatedInvoices[index], seed: seed, roundToCents: false)
            return true
        } else {
            return false
        }
        anomalies = TwoTCloudReferenceReconciler.anomalies(invoices: invoices, customerInvoices: customerInvoices)
        return true
    }

    static func reissue(_ document: inout SandboxInvoice, seed: UInt64, roundToCents: Bool) {
        guard !document.customers.isEmpty, !document.customers[0].subscriptions.isEmpty else { return }
        document.revision += 1
        var rng = SplitMix64.derive(seed, TwoTCloudGenerator.domain, SplitMix64.label(document.invoiceID), UInt64(document.revision), 0x2E15)
        let sign: Int64 = document.isCredit ? -1 : 1
        var subscription = document.customers[0].subscriptions[0]
        let maxLineID = document.allPriceLines.map(\.lineID).max() ?? 0
        func amount(_ quantity: Int64, _ unit: Int64, _ discount: String) -> Int64 {
            let value = ExactArithmetic.applyDiscount(ExactArithmetic.times(quantity, unit), discount)
            return roundToCents ? ExactArithmetic.roundToCents(value) : value
        }
        if var line = subscription.priceLines.first {
            let quantity = line.quantityMicros + sign * 1_000_000
            line.quantity = Money(micros: quantity).formatted(minimumDecimals: 0)
            line.extendedPriceMicros = amount(quantity, line.unitPriceMicros, line.discountPercent)
            line.vatMicros = TwoTCloudGenerator.vat(line.extendedPriceMicros)
            if line.purchasePriceMicros != nil { line.purchasePriceMicros = line.extendedPriceMicros }
            subscription.priceLines[0] = line
        }
        let template = subscription.priceLines.first
        let addOns = CopacoCatalog.reissueAddOns
        let addOn = addOns[(document.revision - 1) % addOns.count]
        let round = (document.revision - 1) / addOns.count
        let extended = amount(sign * 1_000_000, addOn.unitMicros, "0")
        let consolidated = template?.purchasePriceMicros != nil
        let added = SandboxPriceLine(
            lineID: maxLineID + 1, uid: rng.guid(), sku: round == 0 ? addOn.sku : "\(addOn.sku)-R\(round)",
            description: "\(addOn.name) (nagekomen)", quantity: sign < 0 ? "-1" : "1", quantityType: "Licenties",
            unitPriceMicros: addOn.unitMicros, discountPercent: "0", extendedPriceMicros: extended,
            vatMicros: TwoTCloudGenerator.vat(extended), taxPercentage: "21", taxZoneID: "NL-21",
            startDate: template?.startDate ?? document.date, endDate: template?.endDate ?? document.date,
            duration: "1", durationType: "Maand", billingFrequency: "Maandelijks", chargeType: sign < 0 ? "Correction" : "Cycle Fee",
            subPONumber: nil, purchasePriceMicros: consolidated ? extended : nil, purchaseDiscount: consolidated ? "0" : nil,
            salesPriceMicros: consolidated ? 0 : nil, salesDiscount: consolidated ? "0" : nil)
        subscription.priceLines.append(added)
        document.customers[0].subscriptions[0] = subscription
    }
}

/// 2tCloud's matching rules (docs/vendors.md), applied to all purchase vs. customer-invoice lines, to
/// state what the generated data contains. Deliberately simple and independent of the
/// Reconciliation module: it is the oracle tests compare with.
///
/// Per key (customer `AccountID` + `SubscriptionID` + `SKU` + `StartDate` + `EndDate`):
/// no customer line: `unbilled`; no purchase line: `unbacked`; one each: `quantity_mismatch` when
/// the quantities differ. Several lines: a quantity that occurs exactly once on each side pairs
/// those two lines; all paired: `seat_increase_decided`; one line left on each side:
/// `seat_increase_remainder`; only purchase (customer) lines left: `unbilled` (`unbacked`);
/// anything else: `ambiguous`, even when the several lines of one side add up to the one line of
/// the other: a line is never split across rows. One anomaly per key, every line of the key listed.
enum TwoTCloudReferenceReconciler {
    struct Flat {
        let documentID: String
        let period: String
        let accountID: Int
        let customerNumber: String
        let subscriptionID: Int
        let line: SandboxPriceLine
        var key: String { "\(accountID)\u{1}\(subscriptionID)\u{1}\(line.sku)\u{1}\(line.startDate)\u{1}\(line.endDate)" }
    }

    static func flatten(_ documents: [SandboxInvoice], periods: Set<String>) -> [Flat] {
        var out: [Flat] = []
        for document in documents where periods.contains(document.period) {
            for customer in document.customers {
                for subscription in customer.subscriptions {
                    for line in subscription.priceLines {
                        out.append(Flat(documentID: document.invoiceID, period: document.period, accountID: customer.accountID,
                                        customerNumber: customer.customerNumber, subscriptionID: subscription.subscriptionID, line: line))
                    }
                }
            }
        }
        return out
    }

    static func anomalies(invoices: [SandboxInvoice], customerInvoices: [SandboxInvoice]) -> [TwoTCloudSandboxAnomaly] {
        // A usage month counts once its customer invoices are out.
        let billed = Set(customerInvoices.filter { !$0.isCredit }.map(\.period))
        var order: [String] = []
        var bought: [String: [Flat]] = [:]
        var sold: [String: [Flat]] = [:]
        for flat in flatten(invoices, periods: billed) {
            if bought[flat.key] == nil { order.append(flat.key) }
            bought[flat.key, default: []].append(flat)
        }
        for flat in flatten(customerInvoices, periods: billed) {
            if bought[flat.key] == nil && sold[flat.key] == nil { order.append(flat.key) }
            sold[flat.key, default: []].append(flat)
        }
        var result: [TwoTCloudSandboxAnomaly] = []
        for key in order {
            let p = bought[key] ?? []
            let c = sold[key] ?? []
            guard let kind = classify(purchase: p.map(\.line.quantityMicros), customer: c.map(\.line.quantityMicros)) else { continue }
            let sample = p.first ?? c[0]
            func unique(_ ids: [String]) -> [String] {
                var seen = Set<String>()
                return ids.filter { seen.insert($0).inserted }
            }
            result.append(TwoTCloudSandboxAnomaly(
                kind: kind, period: sample.period, invoiceIDs: unique(p.map(\.documentID)), customerInvoiceIDs: unique(c.map(\.documentID)),
                accountID: sample.accountID, customerNumber: sample.customerNumber, subscriptionID: sample.subscriptionID,
                sku: sample.line.sku, startDate: sample.line.startDate, endDate: sample.line.endDate,
                purchaseQuantities: p.map(\.line.quantity), customerQuantities: c.map(\.line.quantity),
                purchaseLineIDs: p.map(\.line.lineID), customerLineIDs: c.map(\.line.lineID)))
        }
        return result
    }

    /// nil: a clean match.
    static func classify(purchase: [Int64], customer: [Int64]) -> TwoTCloudSandboxAnomaly.Kind? {
        if customer.isEmpty { return .unbilled }
        if purchase.isEmpty { return .unbacked }
        if purchase.count == 1 && customer.count == 1 { return purchase[0] == customer[0] ? nil : .quantityMismatch }
        var inPurchase: [Int64: Int] = [:]
        var inCustomer: [Int64: Int] = [:]
        for quantity in purchase { inPurchase[quantity, default: 0] += 1 }
        for quantity in customer { inCustomer[quantity, default: 0] += 1 }
        let decides: (Int64) -> Bool = { inPurchase[$0] == 1 && inCustomer[$0] == 1 }
        let leftPurchase = purchase.filter { !decides($0) }.count
        let leftCustomer = customer.filter { !decides($0) }.count
        switch (leftPurchase, leftCustomer) {
        case (0, 0): return .seatIncreaseDecided
        case (1, 1): return .seatIncreaseRemainder
        case (_, 0): return .unbilled
        case (0, _): return .unbacked
        default: return .ambiguous
        }
    }
}
