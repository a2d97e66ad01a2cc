import Testing
import Warehouse
@testable import VendorSandbox

@Suite("2tCloud sandbox data")
struct TwoTCloudDataTests {
    @Test("same seed and dates give byte-identical JSON and XML; another seed does not")
    func determinism() {
        let again = TwoTCloudSandboxData.generate(seed: 42, from: "2023-10-01", to: testToday)
        let other = TwoTCloudSandboxData.generate(seed: 43, from: "2023-10-01", to: testToday)
        for endpoint in TwoTCloudEndpoint.allCases {
            for format in TwoTCloudFormat.allCases {
                let a = twotData.responseBody(endpoint, from: "2000-01-01", to: testToday, format: format)
                let same = a == again.responseBody(endpoint, from: "2000-01-01", to: testToday, format: format)
                let differs = a != other.responseBody(endpoint, from: "2000-01-01", to: testToday, format: format)
                #expect(same, "\(endpoint) \(format)")
                #expect(differs, "\(endpoint) \(format)")
            }
        }
        let sameAnomalies = twotData.anomalies == again.anomalies
        #expect(sameAnomalies)
        #expect(twotData.consolidatedDefectList == again.consolidatedDefectList)
    }

    @Test("2tCloud data is independent of Copaco's for the same seed, and Copaco's output is unchanged by it")
    func independentOfCopaco() {
        let demo = SandboxConfiguration.demo(today: testToday)
        #expect(demo.twotcloudData.seed == 42 && demo.copacoData.seed == 42)
        #expect(demo.twotcloudData.firstDate == "2023-10-01")
        let sameCopaco = demo.copacoData.responseBody(.invoices, from: "2000-01-01", to: testToday)
            == demoData.responseBody(.invoices, from: "2000-01-01", to: testToday)
        #expect(sameCopaco)
        let sameTwoT = demo.twotcloudData.responseBody(.invoices, from: "2000-01-01", to: testToday)
            == twotData.responseBody(.invoices, from: "2000-01-01", to: testToday)
        #expect(sameTwoT)
        // The configuration's default (older callers) serves nothing for 2tCloud.
        #expect(SandboxConfiguration(copacoData: demoData, today: testToday).twotcloudData.invoices.isEmpty)
    }

    @Test("moving today forward keeps the history, for every endpoint")
    func historyIsStable() {
        let earlier = TwoTCloudSandboxData.generate(seed: 42, from: "2023-10-01", to: "2025-01-31")
        for endpoint in TwoTCloudEndpoint.allCases {
            for format in TwoTCloudFormat.allCases {
                let same = earlier.responseBody(endpoint, from: "2023-10-01", to: "2025-01-31", format: format)
                    == twotData.responseBody(endpoint, from: "2023-10-01", to: "2025-01-31", format: format)
                #expect(same, "\(endpoint) \(format)")
            }
        }
        // Anomalies of the months complete in both stay the same.
        let old = earlier.anomalies.filter { $0.period <= "2024-11" }
        let new = twotData.anomalies.filter { $0.period <= "2024-11" }
        #expect(old == new)
        #expect(!old.isEmpty)
    }

    @Test("documents per month: one purchase invoice per cloud vendor, one customer invoice per customer")
    func calendar() {
        for document in TwoTCloudEndpoint.allCases.flatMap({ twotData.documents($0) }) {
            #expect(document.date >= "2023-10-01" && document.date <= testToday)
            #expect(document.currency == "EUR")
        }
        let november = twotData.invoices.filter { $0.date.hasPrefix("2024-11") && !$0.isCredit }
        #expect(Set(november.map(\.vendor)) == ["Microsoft", "Acronis"])
        #expect(november.allSatisfy { $0.receiver.accountID == 100_042 && $0.sender.accountID == nil })
        let sales = twotData.customerInvoices.filter { $0.date.hasPrefix("2024-11") && !$0.isCredit }
        #expect(sales.count == 8)
        #expect(Set(sales.map(\.invoiceID)).count == sales.count)
        for invoice in sales {
            #expect(invoice.customers.count == 1)
            #expect(invoice.receiver.accountID == invoice.customers[0].accountID)
            #expect(invoice.receiver.customerNumber == invoice.customers[0].customerNumber)
            #expect(invoice.sender.accountID == 100_042)
        }
        let allIDs = TwoTCloudEndpoint.allCases.flatMap { twotData.documents($0).map(\.invoiceID) }
        #expect(Set(allIDs).count == allIDs.count)
        // ~20–40 purchase lines a month.
        let perMonth = Dictionary(grouping: twotData.invoices.filter { !$0.isCredit }, by: \.period).mapValues { $0.reduce(0) { $0 + $1.lineCount } }
        #expect(perMonth.values.allSatisfy { (18...45).contains($0) }, "\(perMonth)")
    }

    @Test("credit notes, corrections, leading zeros, six-decimal amounts")
    func dataShapes() {
        let credits = twotData.invoices.filter(\.isCredit)
        #expect(!credits.isEmpty)
        for credit in credits {
            #expect(credit.typeIdentifier == 381)
            for line in credit.allPriceLines {
                #expect(line.quantityMicros < 0 && line.extendedPriceMicros < 0 && line.chargeType == "Correction")
            }
        }
        #expect(twotData.customerInvoices.contains { $0.isCredit && $0.allPriceLines.allSatisfy { $0.extendedPriceMicros < 0 } })
        let numbers = Set(twotData.invoices.flatMap { $0.customers.map(\.customerNumber) })
        #expect(numbers.contains("000731") && numbers.contains("000092"))
        #expect(twotData.invoices.flatMap(\.allPriceLines).contains { $0.extendedPriceMicros % 10_000 != 0 }) // more than cents
        let names = Set(twotData.invoices.flatMap { $0.customers.map(\.companyName) })
        #expect(names.contains("Müller & Söhne Installatietechniek B.V."))
        #expect(names.contains("Bouwbedrijf <De Toren> B.V."))
    }

    @Test("most purchase lines have a counterpart on that customer's invoice with the same key, at another amount")
    func counterparts() {
        struct Key: Hashable { let account: Int; let subscription: Int; let sku: String; let start: String; let end: String }
        func lines(_ documents: [SandboxInvoice]) -> [(Key, SandboxPriceLine)] {
            documents.flatMap { document in
                document.customers.flatMap { customer in
                    customer.subscriptions.flatMap { subscription in
                        subscription.priceLines.map { (Key(account: customer.accountID, subscription: subscription.subscriptionID, sku: $0.sku, start: $0.startDate, end: $0.endDate), $0) }
                    }
                }
            }
        }
        let bought = lines(twotData.invoices)
        let sold = Dictionary(grouping: lines(twotData.customerInvoices), by: \.0)
        var matched = 0
        for (key, line) in bought {
            guard let partner = sold[key]?.first?.1 else { continue }
            matched += 1
            #expect(partner.extendedPriceMicros != line.extendedPriceMicros || line.extendedPriceMicros == 0)
        }
        #expect(matched * 100 / bought.count >= 95)
    }

    @Test("every anomaly kind is built in, each with the shape it names")
    func anomalies() throws {
        let byKind = Dictionary(grouping: twotData.anomalies, by: \.kind)
        // The two variants of the m % 8 == 3 case alternate every 8 months: once here, both over
        // the demo history below.
        for kind in TwoTCloudSandboxAnomaly.Kind.allCases {
            #expect((byKind[kind]?.count ?? 0) >= (kind == .ambiguous ? 1 : 2), "\(kind)")
        }
        for anomaly in twotData.anomalies {
            let p = anomaly.purchaseQuantities
            let c = anomaly.customerQuantities
            switch anomaly.kind {
            case .unbilled: #expect(!p.isEmpty && c.isEmpty && anomaly.customerInvoiceIDs.isEmpty)
            case .unbacked: #expect(p.isEmpty && !c.isEmpty && anomaly.invoiceIDs.isEmpty)
            case .quantityMismatch: #expect(p.count == 1 && c.count == 1 && p != c)
            case .seatIncreaseDecided: #expect(p.count == 2 && p == c && p[0] != p[1])
            case .seatIncreaseRemainder:
                #expect(p.count == 2 && c.count == 2 && p[0] == c[0] && p[1] != c[1])
            case .ambiguous:
                // Two equal quantities billed the same way, or two billed as one of their sum.
                // (The sandbox's seats are whole numbers.)
                let sum = p.compactMap { Int($0) }.reduce(0, +)
                #expect(p.count == 2 && ((p[0] == p[1] && c == p) || (c.count == 1 && Int(c[0]) == sum)), "\(p) \(c)")
            }
        }
        // Both variants of the m % 8 == 3 case occur (over the longer demo history).
        let demo = SandboxConfiguration.demo(today: "2026-11-23").twotcloudData
        let ambiguous = demo.anomalies.filter { $0.kind == .ambiguous }
        #expect(ambiguous.contains { $0.customerQuantities.count == 2 })
        #expect(ambiguous.contains { $0.customerQuantities.count == 1 })
        // Two purchase lines of the same quantity carry different amounts.
        let twin = try #require(ambiguous.first { $0.customerQuantities.count == 2 })
        let amounts = demo.invoices.flatMap(\.allPriceLines).filter { twin.purchaseLineIDs.contains($0.lineID) }.map(\.extendedPriceMicros)
        #expect(amounts.count == 2 && amounts[0] != amounts[1])
        // Seat increases share the whole key.
        let decided = try #require(byKind[.seatIncreaseDecided]?.first)
        let pair = twotData.invoices.flatMap(\.allPriceLines).filter { decided.purchaseLineIDs.contains($0.lineID) }
        #expect(pair.count == 2 && pair[0].sku == pair[1].sku && pair[0].startDate == pair[1].startDate && pair[0].endDate == pair[1].endDate)
    }

    @Test("the reference reconciler classifies by quantity pairing")
    func classifier() {
        let m: Int64 = 1_000_000
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [5 * m], customer: [5 * m]) == nil)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [5 * m], customer: []) == .unbilled)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [], customer: [5 * m]) == .unbacked)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [5 * m], customer: [6 * m]) == .quantityMismatch)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [10 * m, 5 * m], customer: [5 * m, 10 * m]) == .seatIncreaseDecided)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [10 * m, 5 * m], customer: [10 * m, 6 * m]) == .seatIncreaseRemainder)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [5 * m, 5 * m], customer: [5 * m, 5 * m]) == .ambiguous)
        // Two lines that add up to the one line of the other side: no line is split across rows.
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [3 * m, 4 * m], customer: [7 * m]) == .ambiguous)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [7 * m], customer: [3 * m, 4 * m]) == .ambiguous)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [3 * m, 4 * m], customer: [8 * m]) == .ambiguous)
        #expect(TwoTCloudReferenceReconciler.classify(purchase: [9 * m, -2 * m], customer: [7 * m]) == .ambiguous)
    }

    @Test("consolidated invoices carry both prices, and the defects they are said to have")
    func consolidated() throws {
        let defects = twotData.consolidatedDefects
        #expect(defects.dropped > 0 && defects.duplicated > 0 && defects.misassigned > 0)
        #expect(twotData.expectations.contains("consolidated: \(defects.dropped) dropped"))
        let purchaseLines = Dictionary(uniqueKeysWithValues: twotData.invoices.flatMap(\.allPriceLines).map { ($0.lineID, $0) })
        for document in twotData.consolidatedInvoices {
            for customer in document.customers {
                for line in customer.subscriptions.flatMap(\.priceLines) {
                    #expect(line.purchasePriceMicros == purchaseLines[line.lineID]?.extendedPriceMicros)
                    #expect(line.salesPriceMicros != nil && line.purchaseDiscount != nil && line.salesDiscount != nil)
                }
            }
        }
        for defect in twotData.consolidatedDefectList {
            let document = try #require(twotData.consolidatedInvoices.first { $0.invoiceID == defect.consolidatedInvoiceID })
            let placed = document.customers.flatMap { customer in customer.subscriptions.flatMap(\.priceLines).map { (customer.accountID, $0.lineID) } }
                .filter { $0.1 == defect.lineID }
            switch defect.kind {
            case .dropped: #expect(placed.isEmpty)
            case .duplicated: #expect(placed.count == 2)
            case .misassigned:
                #expect(placed.count == 1 && placed[0].0 == defect.servedUnderAccountID && placed[0].0 != defect.accountID)
            }
        }
        // Consolidated line count = purchase lines − dropped + duplicated.
        let purchase = twotData.invoices.reduce(0) { $0 + $1.lineCount }
        let served = twotData.consolidatedInvoices.reduce(0) { $0 + $1.lineCount }
        #expect(served == purchase - defects.dropped + defects.duplicated)
    }

    @Test("reissue keeps the InvoiceID, changes the content and refreshes the anomalies")
    func reissue() throws {
        var data = twotData
        let target = try #require(data.invoices.last { $0.vendor == "Microsoft" && !$0.isCredit })
        let reissued = data.reissue(invoiceID: target.invoiceID)
        let unknown = data.reissue(invoiceID: "INV-000000-XX")
        #expect(reissued && !unknown)
        let after = try #require(data.document(invoiceID: target.invoiceID))
        #expect(after.revision == 1 && after.date == target.date && after.lineCount == target.lineCount + 1)
        #expect(after.allPriceLines[0].quantity != target.allPriceLines[0].quantity)
        #expect(data.totalMicros(.invoices, from: target.date, to: target.date) != twotData.totalMicros(.invoices, from: target.date, to: target.date))
        let added = try #require(after.customers[0].subscriptions[0].priceLines.last)
        #expect(data.anomalies.contains { $0.kind == .unbilled && $0.purchaseLineIDs == [added.lineID] })
        let sales = data.reissue(invoiceID: data.customerInvoices[0].invoiceID)
        #expect(sales)
    }
}
