import Foundation
import Ingestion
import Testing
import Warehouse
@testable import Vendors

@Suite struct TwoTCloudDecodingTests {
    let connector = TwoTCloudConnector(settings: .init(baseURL: "http://127.0.0.1:1/", accountID: "100042", apiKey: Secret("s3cret"), version: "v3"))

    static let json = #"""
    {"Invoices": [
     {"Header": {"InvoiceID": "2T-1", "Date": "2026-10-23T00:00:00", "Currency": "EUR", "Type": "Invoice"},
      "Sender": {"CompanyName": "Copaco Cloud"}, "Receiver": {"AccountID": 100042, "Address": "Main 1"},
      "Customers": [{"AccountID": 5001, "CustomerNumber": "000417", "CompanyName": "Müller & <Zoon>", "CostCenter": null,
        "Subscriptions": [{"SubscriptionId": 991, "SubscriptionName": "M365",
          "PriceLines": [
            {"LineId": 1, "SKU": "CFQ7TTC0LH18:0001", "Description": "Microsoft 365 E3", "Quantity": 10,
             "UnitPrice": 32.1, "ExtendedPrice": 321.000001, "StartDate": "2026-10-01T00:00:00", "EndDate": "2026-10-31T00:00:00",
             "ChargeType": "Cycle Fee"}]}]},
       {"AccountId": 5002, "CustomerNumber": "B-2", "CompanyName": "Two",
        "Subscriptions": [{"SubscriptionID": 7, "PriceLines": [
            {"LineId": 2, "SKU": "AZ", "Quantity": -1.5, "ExtendedPrice": -12.5, "StartDate": "2026-10-01", "EndDate": "2026-10-31", "ChargeType": "Correction"}]}]}],
      "Totals": {"Total": 308.500001}}]}
    """#

    /// The same document as a server that ignores `Accept` sends it: XML, self-closing empty
    /// elements, TaxZoneID in the Header, Street instead of Address, one-item lists.
    static let xml = #"""
    <?xml version="1.0" encoding="utf-8"?>
    <InvoiceResponse xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <Invoice>
        <Header><InvoiceID>2T-1</InvoiceID><Date>2026-10-23T00:00:00</Date><Currency>EUR</Currency><TaxZoneID>NL</TaxZoneID><TaxPercentage>21</TaxPercentage><Type>Invoice</Type></Header>
        <Sender><CompanyName>Copaco Cloud</CompanyName></Sender>
        <Receiver><AccountID>100042</AccountID><Street>Main 1</Street></Receiver>
        <Customers>
          <Customer><AccountID>5001</AccountID><CustomerNumber>000417</CustomerNumber><CompanyName>Müller &amp; &lt;Zoon&gt;</CompanyName><CostCenter />
            <Subscriptions><Subscription><SubscriptionID>991</SubscriptionID><SubscriptionName>M365</SubscriptionName>
              <PriceLines><PriceLine><LineId>1</LineId><SKU>CFQ7TTC0LH18:0001</SKU><Description>Microsoft 365 E3</Description><Quantity>10</Quantity>
                <UnitPrice>32.1</UnitPrice><ExtendedPrice>321.000001</ExtendedPrice><StartDate>2026-10-01T00:00:00</StartDate><EndDate>2026-10-31T00:00:00</EndDate>
                <ChargeType>Cycle Fee</ChargeType></PriceLine></PriceLines></Subscription></Subscriptions></Customer>
          <Customer><AccountID>5002</AccountID><CustomerNumber>B-2</CustomerNumber><CompanyName>Two</CompanyName>
            <Subscriptions><Subscription><SubscriptionID>7</SubscriptionID><SubscriptionName />
              <PriceLines><PriceLine><LineId>2</LineId><SKU>AZ</SKU><Description /><Quantity>-1.5</Quantity><ExtendedPrice>-12.5</ExtendedPrice>
                <StartDate>2026-10-01</StartDate><EndDate>2026-10-31</EndDate><ChargeType>Correction</ChargeType></PriceLine></PriceLines>
            </Subscription></Subscriptions></Customer>
        </Customers>
        <Totals><Total>308.500001</Total></Totals>
      </Invoice>
    </InvoiceResponse>
    """#

    @Test func jsonAndXMLGiveTheSameStagingLines() throws {
        let fromJSON = try connector.decode(Array(Self.json.utf8), endpoint: connector.invoices)
        let xmlBody = Array(Self.xml.utf8)
        let fromXML = try connector.decode(xmlBody, endpoint: connector.invoices)
        #expect(fromJSON.count == 1 && fromXML.count == 1)
        let a = try fromJSON[0].result.get()
        var b = try fromXML[0].result.get()
        // Absent in JSON, empty (`<Description />`) in XML: both mean "not sent".
        #expect(b.lines[1].description == nil && b.lines[1].subscriptionName == nil)
        b.lines[1].description = a.lines[1].description
        #expect(a == b)
        #expect(a.key == "2T-1" && a.lines.count == 2)
        #expect(a.lines[0].customerKey == "account:5001" && a.lines[1].customerKey == "account:5002")
        #expect(a.lines[0].customerNumber == "000417" && a.lines[0].customerName == "Müller & <Zoon>")
        #expect(a.lines[0].amount.micros == 321_000_001 && a.lines[1].amount.micros == -12_500_000)
        #expect(a.lines[1].quantityNorm == "-1.5" && a.lines[1].subscriptionID == "7")
        // The stored bytes are the <Invoice> element exactly as sent.
        let raw = String(decoding: fromXML[0].raw, as: UTF8.self)
        #expect(raw.hasPrefix("<Invoice>") && raw.hasSuffix("</Invoice>"))
        #expect(Self.xml.contains(raw))
        // ... and decode again from the raw store, as the cross-check does.
        #expect(try TwoTCloudConnector.decodeStored(fromXML[0].raw, direction: .incoming) == b.with(description: nil, at: 1))
        #expect(try TwoTCloudConnector.decodeStored(fromJSON[0].raw, direction: .incoming) == a)
    }

    /// XML element text may be wrapped in whitespace (a serializer that indents text, a file
    /// edited by hand); the numbers and dates inside it are the same values.
    @Test func whitespaceAroundXMLNumbersAndDatesIsNotPartOfThem() throws {
        var wrapped = Self.xml
        for name in ["Quantity", "UnitPrice", "ExtendedPrice", "StartDate", "EndDate", "Date", "Total"] {
            wrapped = wrapped.replacingOccurrences(of: "<\(name)>", with: "<\(name)>\n\t  ")
                .replacingOccurrences(of: "</\(name)>", with: " \r\n</\(name)>")
        }
        #expect(wrapped.contains("<ExtendedPrice>\n\t  321.000001 \r\n</ExtendedPrice>"))
        let plain = try connector.decode(Array(Self.xml.utf8), endpoint: connector.invoices)[0].result.get()
        let documents = try connector.decode(Array(wrapped.utf8), endpoint: connector.invoices)
        let decoded = try documents[0].result.get()
        #expect(decoded.lines == plain.lines && decoded.key == plain.key)
        #expect(decoded.lines[0].amount.micros == 321_000_001 && decoded.lines[1].quantityNorm == "-1.5")
        // Inside a number, a space is still an error.
        let broken = Self.xml.replacingOccurrences(of: "<UnitPrice>32.1<", with: "<UnitPrice>32 .1<")
        guard case .failure(let rejection) = try connector.decode(Array(broken.utf8), endpoint: connector.invoices)[0].result else {
            Issue.record("expected a rejection"); return
        }
        #expect(rejection.reason.contains("UnitPrice"))
    }

    @Test func requestCarriesVersionDatesAndBasicCredentials() throws {
        let window = DateWindow(start: CalendarDate(parsing: "2026-10-01")!, end: CalendarDate(parsing: "2026-10-31")!)!
        let request = connector.request(for: connector.customerInvoices, window: window)
        #expect(request.url == "http://127.0.0.1:1/v3/customerinvoices?startDate=20261001&endDate=20261031")
        #expect(request.headers.contains { $0.0 == "Accept" && $0.1 == "application/json" })
        #expect(request.secretHeaders.count == 1 && request.secretHeaders[0].0 == "Authorization")
        #expect(request.secretHeaders[0].1.reveal() == "Basic " + Data("100042:s3cret".utf8).base64EncodedString())
        #expect(connector.endpoints.map(\.name) == ["invoices", "customerinvoices"])
        #expect(connector.endpoints.allSatisfy { $0.version == "v3" && $0.path.hasPrefix("/v3/") })
        var withConsolidated = connector.settings
        withConsolidated.includeConsolidated = true
        let all = TwoTCloudConnector(settings: withConsolidated).endpoints
        #expect(all.map(\.name) == ["invoices", "customerinvoices", "consolidatedinvoices"])
        #expect(all.map(\.direction) == [.incoming, .outgoing, .crossCheck])
    }

    @Test func forbiddenAdviceNamesCredentialsAndIPAddress() {
        let advice = connector.authenticationAdvice(status: 403, endpoint: connector.invoices)
        for needle in ["BILLWH_TWOTCLOUD_ACCOUNT_ID", "BILLWH_TWOTCLOUD_API_KEY", "Billing API", "active", "IP address"] {
            #expect(advice.contains(needle), "\(needle)")
        }
        #expect(!advice.contains("s3cret"))
    }

    @Test func versionsAreChecked() {
        #expect(TwoTCloudConnector.Settings.isValidVersion("v2"))
        #expect(TwoTCloudConnector.Settings.isValidVersion("v4"))
        for bad in ["2", "v", "V2", "v2/", "v2.1", "../v2", ""] {
            #expect(!TwoTCloudConnector.Settings.isValidVersion(bad), "\(bad)")
        }
    }

    @Test func brokenXMLQuarantinesTheResponseAndBadDocumentsOnlyThemselves() throws {
        #expect(throws: DocumentRejection.self) {
            try connector.decode(Array("<InvoiceResponse><Invoice></InvoiceResponse>".utf8), endpoint: connector.invoices)
        }
        #expect(throws: DocumentRejection.self) {
            try connector.decode(Array("<!DOCTYPE x [<!ENTITY a \"b\">]><InvoiceResponse/>".utf8), endpoint: connector.invoices)
        }
        let mixed = Self.xml.replacingOccurrences(of: "</Invoice>", with: "</Invoice><Invoice><Header><InvoiceID>2T-2</InvoiceID><Date>not a date</Date><Currency>EUR</Currency></Header></Invoice>")
        let documents = try connector.decode(Array(mixed.utf8), endpoint: connector.invoices)
        #expect(documents.count == 2)
        #expect((try? documents[0].result.get()) != nil)
        guard case .failure(let rejection) = documents[1].result else { Issue.record("expected a rejection"); return }
        #expect(rejection.reason.contains("Header.Date"))
        #expect(documents[1].keyHint == "2T-2")
    }
}


extension TwoTCloudDecodingTests {
    /// Invoices in a wrapper, or under another name, would read as no invoices at all: the
    /// response is refused instead (as JSON without its `Invoices` array is). Other elements
    /// beside the invoices are unknown fields.
    @Test func invoicesNotDirectlyUnderTheRootRefuseTheResponse() throws {
        let wrapped = Self.xml.replacingOccurrences(of: "<Invoice>", with: "<Invoices><Invoice>")
            .replacingOccurrences(of: "</Invoice>", with: "</Invoice></Invoices>")
        let renamed = Self.xml.replacingOccurrences(of: "<Invoice>", with: "<InvoiceItem>").replacingOccurrences(of: "</Invoice>", with: "</InvoiceItem>")
        for (body, named) in [(wrapped, "<Invoice> inside <Invoices>"), (renamed, "<Header> inside <InvoiceItem>")] {
            #expect {
                try connector.decode(Array(body.utf8), endpoint: connector.invoices)
            } throws: { error in
                "\(error)".contains(named) && "\(error)".contains("the vendor changed the response's shape")
            }
        }
        let extra = Self.xml.replacingOccurrences(of: "<Invoice>", with: "<Meta><Page>1</Page></Meta><Invoice>")
        #expect(try connector.decode(Array(extra.utf8), endpoint: connector.invoices).count == 1)
    }

    /// A proxy's HTML page is named as such, not only as XML that does not parse.
    @Test func anHTMLPageIsSaidToBeOne() {
        for page in ["<!DOCTYPE html>\n<html><body>Sign in</body></html>", "  <HTML><head><title>502</title></head></HTML>"] {
            #expect {
                try connector.decode(Array(page.utf8), endpoint: connector.invoices)
            } throws: { error in
                "\(error)".contains("the response is an HTML page, not the JSON asked for")
            }
        }
    }

    /// A stored invoice under a namespace prefix (its declaration stayed on the response's
    /// root) decodes again, as rederive reads it.
    @Test func aPrefixedStoredInvoiceDecodesAgain() throws {
        let prefixed = Self.xml.replacingOccurrences(of: "<InvoiceResponse ", with: "<b:InvoiceResponse xmlns:b=\"urn:2t\" ")
            .replacingOccurrences(of: "</InvoiceResponse>", with: "</b:InvoiceResponse>")
            .replacingOccurrences(of: "<Invoice>", with: "<b:Invoice>").replacingOccurrences(of: "</Invoice>", with: "</b:Invoice>")
        let documents = try connector.decode(Array(prefixed.utf8), endpoint: connector.invoices)
        let fetched = try #require(documents.first)
        let stored = try #require(StoredDocuments.stream(fetched.raw, vendor: .twotcloud, endpoint: connector.invoices))
        let again = try stored.collect()
        #expect(again.count == 1)
        #expect(try again.first?.result.get().lines == fetched.result.get().lines)
    }
}

extension DecodedDocument {
    func with(description: String?, at index: Int) -> DecodedDocument {
        var copy = self
        copy.lines[index].description = description
        return copy
    }
}
