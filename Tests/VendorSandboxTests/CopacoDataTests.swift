import JSON
import Testing
import Warehouse
@testable import VendorSandbox

@Suite("Copaco sandbox data")
struct CopacoDataTests {
    @Test("same seed and dates give byte-identical responses; another seed does not")
    func determinism() throws {
        let again = CopacoSandboxData.generate(seed: 42, from: "2023-10-01", to: testToday)
        let other = CopacoSandboxData.generate(seed: 43, from: "2023-10-01", to: testToday)
        for endpoint in CopacoEndpoint.allCases {
            let a = demoData.responseBody(endpoint, from: "2000-01-01", to: testToday)
            let b = again.responseBody(endpoint, from: "2000-01-01", to: testToday)
            let same = a == b
            let differs = a != other.responseBody(endpoint, from: "2000-01-01", to: testToday)
            #expect(same, "\(endpoint)")
            #expect(differs, "\(endpoint)")
        }
        let sameAnomalies = demoData.anomalies == again.anomalies
        #expect(sameAnomalies)
    }

    @Test("moving today forward keeps the history")
    func historyIsStable() {
        let earlier = CopacoSandboxData.generate(seed: 42, from: "2023-10-01", to: "2025-01-31")
        let invoices = earlier.responseBody(.invoices, from: "2023-10-01", to: "2025-01-31")
            == demoData.responseBody(.invoices, from: "2023-10-01", to: "2025-01-31")
        let specifications = earlier.responseBody(.customerSpecifications, from: "2023-10-01", to: "2025-01-20")
            == demoData.responseBody(.customerSpecifications, from: "2023-10-01", to: "2025-01-20")
        #expect(invoices)
        #expect(specifications)
    }

    @Test("every 31-day nightly window holds an invoice, and no document is dated outside the range")
    func nightlyWindowNeverEmpty() {
        var day = "2023-11-15"
        while day <= testToday {
            #expect(demoData.documentCount(.invoices, from: addDays(day, -31), to: day) > 0, "window ending \(day)")
            day = addDays(day, 1)
        }
        for endpoint in [CopacoEndpoint.invoices, .customerSpecifications] {
            for document in demoData.documents(endpoint) {
                #expect(document.date >= "2023-10-01" && document.date <= testToday)
            }
        }
        // One Microsoft and one VMware invoice per billing month, separate IDs.
        let november = demoData.invoices.filter { $0.date.hasPrefix("2024-11") && $0.type == "Invoice" }
        #expect(Set(november.map(\.vendor)) == ["Microsoft", "VMware"])
        #expect(Set(november.map(\.invoiceID)).count == november.count)
    }

    @Test("InvoiceRowHash on lines dated from 2024-03-07, none before; specifications share them")
    func rowHashes() {
        var before = 0
        var after = 0
        for document in demoData.invoices {
            for line in document.allPriceLines {
                if document.date >= "2024-03-07" {
                    #expect(line.invoiceRowHash != nil)
                    after += 1
                } else {
                    #expect(line.invoiceRowHash == nil)
                    before += 1
                }
            }
        }
        #expect(before > 50 && after > 200)
        let purchased = Set(demoData.invoices.flatMap(\.allPriceLines).compactMap(\.invoiceRowHash))
        let unbackedHashes = Set(demoData.anomalies.filter { $0.kind == .unbacked }.compactMap(\.invoiceRowHash))
        for hash in demoData.specifications.flatMap(\.allPriceLines).compactMap(\.invoiceRowHash) {
            #expect(purchased.contains(hash) || unbackedHashes.contains(hash))
        }
    }

    @Test("customers carry awkward text and leading-zero numbers")
    func awkwardCustomers() {
        let customers = demoData.invoices.flatMap(\.customers)
        let names = Set(customers.map(\.companyName))
        #expect(names.count == 8)
        #expect(names.contains { $0.contains("\"") && $0.contains(",") && $0.contains("Ë") })
        #expect(names.contains { $0.contains("\n") })
        #expect(names.contains { $0.contains("€") })
        #expect(names.contains { $0.contains("\\") })
        #expect(customers.contains { $0.customerNumber.hasPrefix("0") })
        #expect(Set(customers.map(\.customerNumber)).count == 8)
    }

    @Test("amount texts are exact: no exponent, at most 6 decimals, both 2 and 6 decimals occur")
    func amountTexts() throws {
        let body = demoData.responseBody(.invoices, from: "2000-01-01", to: testToday)
        var decimalsSeen = Set<Int>()
        for document in try Served.documents(body) {
            for line in Served.lines(document) {
                for field in ["ExtendedPrice", "UnitPrice", "VAT", "Quantity"] {
                    let text = try #require(line[field]?.numberText, "\(field)")
                    #expect(!text.contains("e") && !text.contains("E"))
                    let decimals = text.split(separator: ".").dropFirst().first?.count ?? 0
                    #expect(decimals <= 6, "\(field) \(text)")
                    if field == "ExtendedPrice" { decimalsSeen.insert(decimals) }
                    _ = try Money(parsing: text)
                }
                #expect(line["StartDate"]?.string?.hasSuffix("T00:00:00") == true)
            }
            #expect(document["Header"]?["Date"]?.string?.count == 19)
        }
        #expect(decimalsSeen.contains(6))
        #expect(decimalsSeen.contains(2) || decimalsSeen.contains(1))
    }

    @Test("charge types, credit notes and their credit specifications")
    func creditsAndChargeTypes() {
        let lines = demoData.invoices.flatMap(\.allPriceLines)
        let types = Set(lines.compactMap(\.chargeType))
        #expect(types.isSuperset(of: ["Cycle Fee", "Usage Fee", "Purchase Fee", "One Time Fee", "Correction"]))
        #expect(lines.contains { $0.chargeType == nil })
        let credits = demoData.invoices.filter(\.isCredit)
        #expect(credits.count >= 3)
        for credit in credits {
            #expect(credit.typeIdentifier == 381)
            for line in credit.allPriceLines {
                #expect(line.quantityMicros < 0 && line.extendedPriceMicros < 0 && line.chargeType == "Correction")
            }
            let spec = demoData.specifications.first { $0.specifiesInvoiceID == credit.invoiceID }
            #expect(spec?.type == "Credit")
            #expect(spec.map { $0.extendedPriceTotalMicros < 0 } == true)
        }
    }

    @Test("specifications sell at cost × markup, rounded to cents, without VAT")
    func specificationPrices() {
        let costByHash = Dictionary(demoData.invoices.flatMap(\.allPriceLines).compactMap { line in line.invoiceRowHash.map { ($0, line) } },
                                    uniquingKeysWith: { a, _ in a })
        var compared = 0
        for spec in demoData.specifications {
            #expect(spec.vatTotalMicros == 0)
            for line in spec.allPriceLines {
                #expect(line.extendedPriceMicros % 10_000 == 0, "rounded to cents")
                guard let hash = line.invoiceRowHash, let cost = costByHash[hash], cost.quantity == line.quantity else { continue }
                if cost.extendedPriceMicros > 0 { #expect(line.extendedPriceMicros >= cost.extendedPriceMicros) }
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    @Test("the built-in reconciliation exceptions exist and are described")
    func anomalies() {
        let byKind = Dictionary(grouping: demoData.anomalies, by: \.kind)
        for kind in CopacoSandboxAnomaly.Kind.allCases {
            #expect((byKind[kind]?.count ?? 0) >= 2, "\(kind)")
        }
        for anomaly in byKind[.ambiguous] ?? [] {
            #expect(anomaly.invoiceRowHash == nil && anomaly.date < "2024-03-07")
            #expect(anomaly.invoiceLineIDs.count == 2 && anomaly.specificationLineIDs.count == 2)
        }
        for anomaly in byKind[.quantityMismatch] ?? [] {
            let invoice = demoData.invoices.first { $0.invoiceID == anomaly.invoiceID }!
            let spec = demoData.specifications.first { $0.invoiceID == anomaly.specificationID }!
            let bought = invoice.allPriceLines.first { $0.lineID == anomaly.invoiceLineIDs[0] }!
            let billed = spec.allPriceLines.first { $0.lineID == anomaly.specificationLineIDs[0] }!
            #expect(bought.quantity != billed.quantity)
        }
        for anomaly in byKind[.unbilled] ?? [] {
            let spec = demoData.specifications.first { $0.specifiesInvoiceID == anomaly.invoiceID }!
            let billed = spec.customers.filter { $0.customerNumber == anomaly.customerNumber }
                .flatMap(\.subscriptions).filter { $0.subscriptionID == anomaly.subscriptionID }.flatMap(\.priceLines)
            if let hash = anomaly.invoiceRowHash {
                #expect(!billed.contains { $0.invoiceRowHash == hash })
            } else {
                #expect(!billed.contains { $0.sku == anomaly.sku && $0.startDate == anomaly.startDate && $0.endDate == anomaly.endDate })
            }
        }
    }

    @Test("example-invoices are two fictional documents")
    func examples() {
        #expect(demoData.examples.map(\.invoiceID) == ["EX-INV-000001", "EX-CRD-000002"])
        #expect(demoData.examples.allSatisfy { $0.customers.first?.companyName.contains("Voorbeeldklant") == true })
    }

    @Test("the scale knob multiplies metered lines")
    func scale() {
        let small = CopacoSandboxData.generate(seed: 7, from: "2024-01-01", to: "2024-06-30")
        let large = CopacoSandboxData.generate(seed: 7, from: "2024-01-01", to: "2024-06-30", customers: 12, linesPerSubscriptionScale: 20)
        let smallLines = small.lineCount(.invoices, from: "2024-01-01", to: "2024-06-30")
        let largeLines = large.lineCount(.invoices, from: "2024-01-01", to: "2024-06-30")
        #expect(largeLines > 8 * smallLines)
        #expect(Set(large.invoices.flatMap(\.customers).map(\.customerNumber)).count >= 10)
    }

    @Test("JSON escaping: quotes, backslash, newline, tab, control characters; UTF-8 kept")
    func escaping() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("s")
        writer.string("a\"b\\c\nd\te\u{01}f€ë\r")
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001f€ë\\r\"}")
        #expect(try TJ.parse(writer.bytes)["s"]?.string == "a\"b\\c\nd\te\u{01}f€ë\r")
    }
}
