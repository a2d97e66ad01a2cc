import Ingestion
import JSON
import Testing
import Warehouse
@testable import Vendors

/// A document is never read as empty because a name no longer matched: a structural array that
/// is absent (not empty), a line without a field the rules need, or totals that disagree with
/// the lines reject the document with the path and the likely cause.
@Suite struct StructureCheckTests {
    let connector = CopacoConnector(settings: .init(baseURL: "http://127.0.0.1:1", apiKey: Secret("k")))

    static func invoice(customers: String = #""Customers""#, subscriptions: String = #""Subscriptions""#,
                        priceLines: String = #""PriceLines""#, line: String = line, totals: String = #"{"TotalExclVAT": 10.5}"#) -> String {
        #"""
        {"Header": {"InvoiceID": "INV-9", "Date": "2026-10-23T00:00:00", "Currency": "EUR", "Type": "Invoice"},
         \#(customers): [{"CustomerNumber": "000417", "CompanyName": "A",
           \#(subscriptions): [{"SubscriptionID": 991, \#(priceLines): [\#(line)]}]}],
         "Totals": \#(totals)}
        """#
    }

    static let line = #"{"SKU": "S1", "ExtendedPrice": 10.5, "StartDate": "2026-10-01", "EndDate": "2026-10-31", "Quantity": 1}"#

    func decode(_ invoice: String, endpoint: Endpoint = CopacoConnector.invoices) throws -> Result<DecodedDocument, DocumentRejection> {
        let documents = try connector.decode(Array(#"{"Invoices": [\#(invoice)]}"#.utf8), endpoint: endpoint)
        #expect(documents.count == 1)
        return documents[0].result
    }

    func reason(_ result: Result<DecodedDocument, DocumentRejection>) -> String? {
        if case .failure(let rejection) = result { return rejection.reason }
        return nil
    }

    @Test func theContractShapeDecodes() throws {
        let document = try decode(Self.invoice()).get()
        #expect(document.lines.count == 1)
        #expect(document.lines[0].amount.micros == 10_500_000)
    }

    @Test(arguments: [
        ("Customers", "Invoice.Customers"),
        ("Subscriptions", "Customers[0].Subscriptions"),
        ("PriceLines", "Customers[0].Subscriptions[0].PriceLines"),
    ])
    func aRenamedStructuralArrayIsARejectionWithItsPath(name: String, path: String) throws {
        let renamed = #""\#(name)Renamed""#
        let invoice = switch name {
        case "Customers": Self.invoice(customers: renamed)
        case "Subscriptions": Self.invoice(subscriptions: renamed)
        default: Self.invoice(priceLines: renamed)
        }
        let reason = try #require(reason(try decode(invoice)))
        #expect(reason.hasPrefix("\(path): missing"), "\(reason)")
        #expect(reason.contains("renamed or removed by the vendor"))
    }

    @Test func aNullStructuralArrayIsMissingButAnEmptyOneIsNot() throws {
        let null = Self.invoice().replacingOccurrences(of: #""PriceLines": [\#(Self.line)]"#, with: #""PriceLines": null"#)
        #expect(reason(try decode(null))?.contains("PriceLines: missing") == true)
        let empty = Self.invoice(totals: #"{"TotalExclVAT": 0}"#).replacingOccurrences(of: Self.line, with: "")
        #expect(try decode(empty).get().lines.isEmpty)
        // And no Totals at all: nothing to compare.
        let noTotals = Self.invoice(totals: "null").replacingOccurrences(of: Self.line, with: "")
        #expect(try decode(noTotals).get().lines.isEmpty)
    }

    @Test func namesInAnyLetterCaseStillMatch() throws {
        let invoice = Self.invoice(customers: #""CUSTOMERS""#, subscriptions: #""subscriptions""#, priceLines: #""priceLines""#,
                                   line: #"{"sku": "S1", "EXTENDEDPRICE": 10.5, "startdate": "2026-10-01", "EndDATE": "2026-10-31"}"#)
        #expect(try decode(invoice).get().lines.count == 1)
    }

    @Test(arguments: ["SKU", "ExtendedPrice", "StartDate", "EndDate"])
    func aLineWithoutAFieldTheRulesNeedIsARejection(field: String) throws {
        let line = Self.line.replacingOccurrences(of: #""\#(field)": "#, with: #""\#(field)Old": "#)
        let reason = try #require(reason(try decode(Self.invoice(line: line))))
        #expect(reason.hasPrefix("Customers[0].Subscriptions[0].PriceLines[0].\(field): missing"), "\(reason)")
        #expect(reason.contains("renamed or removed by the vendor"))
    }

    @Test func aSubscriptionWithoutItsIDIsARejection() throws {
        let invoice = Self.invoice().replacingOccurrences(of: #""SubscriptionID": 991"#, with: #""SubscriptionNumber": 991"#)
        #expect(reason(try decode(invoice))?.hasPrefix("Customers[0].Subscriptions[0].SubscriptionID: missing") == true)
    }

    @Test func crossCheckLinesNeedNoMatchingKeys() throws {
        let twotcloud = TwoTCloudConnector(settings: .init(baseURL: "http://127.0.0.1:1", accountID: "1", apiKey: Secret("k")))
        let line = #"{"PurchasePrice": 1, "SalesPrice": 2}"#
        let body = Array(#"{"Invoices": [\#(Self.invoice(line: line, totals: "null"))]}"#.utf8)
        let documents = try twotcloud.decode(body, endpoint: twotcloud.consolidatedInvoices)
        #expect(try documents[0].result.get().lines.count == 1)
    }

    @Test func totalsThatDisagreeWithTheLinesAreARejection() throws {
        let reason = try #require(reason(try decode(Self.invoice(totals: #"{"TotalExclVAT": 11.5}"#))))
        #expect(reason.contains("states a net total of 11.50 but its lines add up to 10.50"), "\(reason)")
    }

    /// Invoices state totals in cents while lines carry up to 6 decimals: 12.3456 + 1.0001 =
    /// 13.3457 against a stated 13.35 (or 13.34) agrees to the cent; a cent or more apart does not.
    @Test(arguments: [("13.35", true), ("13.34", true), ("13.3457", true), ("13.355699", true),
                      ("13.3557", false), ("13.3357", false), ("13.36", false), ("-13.35", false)])
    func totalsAgreeToTheCent(stated: String, accepted: Bool) throws {
        let lines = [#"{"SKU": "S1", "ExtendedPrice": 12.3456, "StartDate": "2026-10-01", "EndDate": "2026-10-31"}"#,
                     #"{"SKU": "S2", "ExtendedPrice": 1.0001, "StartDate": "2026-10-01", "EndDate": "2026-10-31"}"#]
        let result = try decode(Self.invoice(line: lines.joined(separator: ", "), totals: #"{"TotalExclVAT": \#(stated)}"#))
        #expect((reason(result) == nil) == accepted, "\(stated): \(reason(result) ?? "accepted")")
        if accepted { #expect(try result.get().lines.map(\.amount.micros) == [12_345_600, 1_000_100]) }
    }

    @Test func theCensusCountsEveryDocumentsFieldsOnce() throws {
        let body = Array(#"{"Invoices": [\#(Self.invoice()), \#(Self.invoice(priceLines: #""PriceLineItems""#))]}"#.utf8)
        let stream = connector.documentStream(body, endpoint: CopacoConnector.invoices)
        let documents = try stream.collect()
        #expect(documents.count == 2)
        let census = stream.census
        #expect(census.documents == 2)
        let paths = Dictionary(census.paths.map { ($0.path, $0.documents) }, uniquingKeysWith: +)
        #expect(paths["Invoices[].Header.InvoiceID"] == 2)
        #expect(paths["Invoices[].Customers[].Subscriptions[].PriceLines[].SKU"] == 1)
        #expect(paths["Invoices[].Customers[].Subscriptions[].PriceLineItems[].SKU"] == 1)
        #expect(paths["Invoices[].Totals.TotalExclVAT"] == 2)
    }

    /// Both line readers (from the bytes, and from each customer's tree) on one invoice: the
    /// rejection's reason, or nil when accepted; the two must agree.
    func bothReaders(_ invoice: String, _ key: InvoiceSkeleton.CustomerKeyRule = .customerNumber) throws -> String? {
        let reasons = try [InvoiceSkeleton.CustomerReading.spans, .tree].map { reading in
            let rules = InvoiceSkeleton.Rules(customerKey: key, customers: reading)
            let documents = try InvoiceSkeleton.streamResponse(WholeBody(Array(#"{"Invoices": [\#(invoice)]}"#.utf8)), rules: rules).collect()
            return reason(documents[0].result)
        }
        #expect(reasons[0] == reasons[1])
        return reasons[0]
    }

    /// A member named twice in one object (in any letter case) is ambiguous: reading the first
    /// of `"PriceLines": [], "priceLines": [...]` stored the document without its lines.
    @Test(arguments: [
        (#""PriceLines": [], "priceLines""#, "Invoice.Customers[0]: one of its subscriptions has more than one member named \"PriceLines\""),
        (#""PriceLines": null, "PriceLines""#, "Invoice.Customers[0]: one of its subscriptions has more than one member named \"PriceLines\""),
    ])
    func aStructuralArrayNamedTwiceIsARejection(priceLines: String, expected: String) throws {
        let reason = try #require(try bothReaders(Self.invoice(priceLines: priceLines)))
        #expect(reason.hasPrefix(expected), "\(reason)")
        #expect(reason.contains("ambiguous"))
    }

    @Test func aFieldNamedTwiceAtAnyLevelIsARejection() throws {
        let line = Self.line.replacingOccurrences(of: #""ExtendedPrice": 10.5"#, with: #""ExtendedPrice": 10.5, "extendedprice": 99"#)
        #expect(try bothReaders(Self.invoice(line: line))?.hasPrefix(#"Invoice.Customers[0]: one of its price lines has more than one member named "ExtendedPrice""#) == true)
        let customer = Self.invoice().replacingOccurrences(of: #""CompanyName": "A""#, with: #""CompanyName": "A", "CUSTOMERNUMBER": "9""#)
        #expect(try bothReaders(customer)?.hasPrefix(#"Invoice.Customers[0]: the customer has more than one member named "CustomerNumber""#) == true)
        let header = Self.invoice().replacingOccurrences(of: #"{"Header""#, with: #"{"HEADER": {"InvoiceID": "OTHER", "Date": "2026-10-23", "Currency": "USD"}, "Header""#)
        #expect(try bothReaders(header)?.hasPrefix(#"Invoice: has more than one member named "Header""#) == true)
        let invoiceID = Self.invoice().replacingOccurrences(of: #""InvoiceID": "INV-9""#, with: #""InvoiceID": "INV-9", "invoiceId": "INV-10""#)
        #expect(try bothReaders(invoiceID)?.hasPrefix(#"Invoice.Header: has more than one member named "InvoiceID""#) == true)
        let customers = Self.invoice().replacingOccurrences(of: #""Totals""#, with: #""customers": [], "Totals""#)
        #expect(try bothReaders(customers)?.hasPrefix(#"Invoice: has more than one member named "Customers""#) == true)
        // Unknown members may repeat: they are kept in raw and read by nobody.
        let unknown = Self.line.replacingOccurrences(of: #""SKU""#, with: #""Note": 1, "note": 2, "SKU""#)
        #expect(try bothReaders(Self.invoice(line: unknown)) == nil)
    }

    /// Lines are matched within their customer: a customer without its key would share the
    /// empty key with every other such customer, and pair one's selling price with another's cost.
    @Test func aCustomerWithLinesNeedsItsKey() throws {
        for without in [#""CustomerNumber": "000417", "#, #""CustomerNumber": null, "#, #""CustomerNumber": "", "#] {
            let invoice = Self.invoice().replacingOccurrences(of: #""CustomerNumber": "000417", "#, with: without == #""CustomerNumber": "000417", "# ? "" : without)
            let reason = try #require(try bothReaders(invoice), "\(without)")
            #expect(reason.hasPrefix("Customers[0].CustomerNumber: missing, and matching its lines needs it"), "\(reason)")
        }
        // 2tCloud names the customer by AccountID, else CustomerNumber.
        let accountOnly = Self.invoice().replacingOccurrences(of: #""CustomerNumber": "000417""#, with: #""AccountID": 77"#)
        #expect(try bothReaders(accountOnly, .accountID) == nil)
        #expect(try bothReaders(Self.invoice(), .accountID) == nil)
        let neither = Self.invoice().replacingOccurrences(of: #""CustomerNumber": "000417", "#, with: #""AccountID": "", "#)
        #expect(try bothReaders(neither, .accountID)?.hasPrefix("Customers[0].AccountID (and CustomerNumber): missing") == true)
        // A customer without lines has nothing to match.
        let empty = Self.invoice(totals: "null").replacingOccurrences(of: #""CustomerNumber": "000417", "#, with: "").replacingOccurrences(of: Self.line, with: "")
        #expect(try bothReaders(empty) == nil)
    }

    /// `AccountID` and `SubscriptionID` are numbers in the contract: `991.0` is the number `991`
    /// and must match it, sent as a number or as text (XML sends every number as text, maybe
    /// wrapped in whitespace); an integer spelled as text keeps its leading zeros.
    @Test(arguments: [("991", "991"), ("991.0", "991"), ("9.91e2", "991"), ("991.50", "991.5"), ("-0", "0"),
                      ("1e400", "1e400"), (#""0991""#, "0991"), (#""991.0""#, "991"), (#""\n    991\n  ""#, "991"),
                      (#"" 7.420001E6 ""#, "7420001"), (#""SUB-991.A""#, "SUB-991.A")])
    func numericIdentifiersAreCanonical(sent: String, staged: String) throws {
        let invoice = Self.invoice().replacingOccurrences(of: #""SubscriptionID": 991"#, with: #""SubscriptionID": \#(sent)"#)
            .replacingOccurrences(of: #""CustomerNumber": "000417""#, with: #""CustomerNumber": "000417", "AccountID": \#(sent)"#)
        for reading in [InvoiceSkeleton.CustomerReading.spans, .tree] {
            let rules = InvoiceSkeleton.Rules(customerKey: .accountID, customers: reading)
            let documents = try InvoiceSkeleton.streamResponse(WholeBody(Array(#"{"Invoices": [\#(invoice)]}"#.utf8)), rules: rules).collect()
            let line = try #require(try documents[0].result.get().lines.first)
            #expect(line.subscriptionID == staged)
            #expect(line.customerAccountID == staged)
            #expect(line.customerKey == "account:" + staged)
        }
    }
}
