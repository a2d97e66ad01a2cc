import Ingestion
import Testing
import Warehouse
@testable import Vendors

@Suite struct CopacoDecodingTests {
    let connector = CopacoConnector(settings: .init(baseURL: "http://127.0.0.1:1", apiKey: Secret("k")))

    static let invoice = #"""
    {"Header": {"InvoiceID": "INV-1", "Date": "2026-10-23T00:00:00", "Currency": "EUR", "Type": "Invoice"},
     "Sender": {"CompanyName": "Copaco"}, "Receiver": {"CustomerNumber": "R-1"},
     "Customers": [{"AccountID": 17, "CustomerNumber": "000417", "CompanyName": "Café \"€uro\", BV\nIT",
       "Subscriptions": [{"SubscriptionID": 991, "SubscriptionName": "M365",
         "PriceLines": [
           {"LineId": 1, "SKU": "CFQ7TTC0LH18:0001", "Description": "Microsoft 365, E3", "Quantity": 5.0,
            "UnitPrice": 32.1, "ExtendedPrice": 160.5, "VAT": 33.705, "StartDate": "2026-10-01T00:00:00",
            "EndDate": "2026-10-31", "ChargeType": "Cycle Fee", "InvoiceRowHash": "h1"},
           {"LineId": 2, "SKU": "USAGE", "Quantity": 0.123456789, "ExtendedPrice": -0.000001,
            "StartDate": "2026-10-01", "EndDate": "2026-10-31"}
         ]}]}],
     "Totals": {"Total": 160.499999}}
    """#

    @Test func decodesTheContractShape() throws {
        let body = Array(#"{"Invoices": [\#(Self.invoice)]}"#.utf8)
        let documents = try connector.decode(body, endpoint: CopacoConnector.invoices)
        #expect(documents.count == 1)
        let document = try documents[0].result.get()
        #expect(document.key == "INV-1")
        #expect(document.date.description == "2026-10-23")
        #expect(document.lines.count == 2)
        let line = document.lines[0]
        #expect(line.customerNumber == "000417")
        #expect(line.customerName == "Café \"€uro\", BV\nIT")
        #expect(line.subscriptionID == "991")
        #expect(line.amount.micros == 160_500_000)
        #expect(line.quantity == "5.0" && line.quantityNorm == "5")
        #expect(line.rowHash == "h1")
        #expect(line.periodEnd?.description == "2026-10-31")
        #expect(document.lines[1].amount.micros == -1)
        #expect(document.lines[1].quantityNorm == "0.123456789")
        // The raw bytes are exactly the invoice object as sent.
        #expect(String(decoding: documents[0].raw, as: UTF8.self) == Self.invoice)
    }

    @Test func toleratesCaseReorderingUnknownFieldsAndNulls() throws {
        let body = #"""
        {"extra": {"deep": [1, {"x": null}]}, "INVOICES": [{"customers": [{"subscriptions": [{"pricelines": [
          {"extendedprice": 1.5, "Unknown": {"a": [1,2]}, "chargetype": null, "quantity": 1, "SKU": "S",
           "STARTDATE": "2026-01-01", "enddate": "2026-01-31"}],
          "SubscriptionId": 5}], "customernumber": "7"}],
          "header": {"currency": "EUR", "date": "2026-01-02", "invoiceid": "X"}, "NewTopLevel": true}]}
        """#
        let documents = try connector.decode(Array(body.utf8), endpoint: CopacoConnector.invoices)
        let document = try documents[0].result.get()
        #expect(document.key == "X")
        #expect(document.lines.first?.subscriptionID == "5")
        // Whitespace around the key is dropped, so that a re-sent invoice keeps its key.
        let padded = try connector.decode(Array(body.replacingOccurrences(of: #""invoiceid": "X""#, with: #""invoiceid": " X\t""#).utf8),
                                          endpoint: CopacoConnector.invoices)
        #expect(try padded[0].result.get().key == "X" && padded[0].keyHint == "X")
        #expect(document.lines.first?.amount.micros == 1_500_000)
        #expect(document.lines.first?.chargeType == nil)
    }

    @Test(arguments: [
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-01-01", "Currency": "EUR"}, "Customers": [{"Subscriptions": [{"PriceLines": [{"ExtendedPrice": 1.1234567}]}]}]}"#, "more than 6 decimals"),
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-13-01", "Currency": "EUR"}}"#, "Header.Date"),
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-01-01"}}"#, "Header.Currency: missing"),
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-01-01", "Currency": "EUR"}, "Customers": [{"Subscriptions": [{"PriceLines": [{"Quantity": 1}]}]}]}"#, "ExtendedPrice: missing"),
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-01-01", "Currency": "EUR"}, "Customers": {"a": 1}}"#, "expected an array"),
        (#"{"Sender": {}}"#, "Header: missing"),
        (#"{"Header": {"InvoiceID": "  ", "Date": "2026-01-01", "Currency": "EUR"}}"#, "Header.InvoiceID: missing"),
        (#"{"Header": {"InvoiceID": "A", "Date": "2026-01-01", "Currency": "EUR"}, "Customers": [{"Subscriptions": [{"PriceLines": [{"ExtendedPrice": "12,5x"}]}]}]}"#, "not a decimal number"),
    ])
    func rejectsOneDocumentAndKeepsTheOthers(bad: String, reason: String) throws {
        let good = #"{"Header": {"InvoiceID": "OK", "Date": "2026-01-01", "Currency": "EUR"}, "Customers": []}"#
        let documents = try connector.decode(Array(#"{"Invoices": [\#(good), \#(bad)]}"#.utf8), endpoint: CopacoConnector.invoices)
        #expect(documents.count == 2)
        #expect((try? documents[0].result.get())?.key == "OK")
        guard case .failure(let rejection) = documents[1].result else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.reason.contains(reason), "\(rejection.reason)")
    }

    @Test func anUnreadableResponseIsRejectedWhole() {
        #expect(throws: DocumentRejection.self) { try connector.decode(Array(#"{"Invoices": [ {"a":"#.utf8), endpoint: CopacoConnector.invoices) }
        #expect(throws: DocumentRejection.self) { try connector.decode(Array(#"{"Items": []}"#.utf8), endpoint: CopacoConnector.invoices) }
    }

    @Test func requestCarriesDatesAndTheKeyHeader() {
        let window = DateWindow(start: CalendarDate(year: 2026, month: 10, day: 1)!, end: CalendarDate(year: 2026, month: 10, day: 31)!)!
        let request = connector.request(for: CopacoConnector.invoices, window: window)
        #expect(request.url == "http://127.0.0.1:1/api/v1/invoices?startDate=20261001&endDate=20261031")
        #expect(request.secretHeaders.first?.0 == "X-Api-Key")
        #expect(!request.headers.contains { $0.1 == "k" })
    }
}
