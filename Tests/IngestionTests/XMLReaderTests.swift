import JSON
import Testing
@testable import Ingestion

@Suite struct XMLReaderTests {
    func parse(_ text: String) throws -> XMLElement { try XMLReader.parse(Array(text.utf8)) }

    func parseError(_ bytes: [UInt8]) -> XMLParseError? {
        do {
            _ = try XMLReader.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    func parseError(_ text: String) -> XMLParseError? { parseError(Array(text.utf8)) }

    static let listNames: Set<String> = ["Customers", "Subscriptions", "PriceLines", "SubscriptionDetails"]

    func json(_ text: String) throws -> JSONValue {
        XMLReader.jsonValue(try parse(text), listNames: Self.listNames)
    }

    // MARK: Reader

    @Test func selfClosingAndEmptyElements() throws {
        let root = try parse("<R><A /><B/><C></C><D>x</D></R>")
        #expect(root.children.map(\.name) == ["A", "B", "C", "D"])
        #expect(root.children.map(\.isEmpty) == [true, true, true, false])
        #expect(root.children[3].text == "x")
        #expect(root.children[0].text == "")
        #expect(!root.isEmpty)
    }

    @Test func entitiesAndCharacterReferences() throws {
        let root = try parse("<R>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#228; &#xE4; &#xe4;</R>")
        #expect(root.text == "a & b <c> \"d\" 'e' ä ä ä")
        #expect(try parse("<R>&#x1F600;&#65;</R>").text == "😀A")
    }

    @Test func cdataIsTextAsIs() throws {
        let root = try parse("<R>x<![CDATA[<b>&amp; ]] ]>]]>y</R>")
        #expect(root.text == "x<b>&amp; ]] ]>y")
        #expect(root.children.isEmpty)
    }

    @Test func commentsAndProcessingInstructionsAreSkipped() throws {
        let text = """
        \u{FEFF}<?xml version="1.0" encoding="utf-8"?>
        <!-- before -->
        <?xml-stylesheet href="x.xsl"?>
        <R><!-- a <fake> comment -->a<?pi data?>b<X/><!---->c</R>
        <!-- after -->
        """
        let root = try parse(text)
        #expect(root.name == "R")
        #expect(root.text == "abc")
        #expect(root.children.map(\.name) == ["X"])
    }

    @Test func attributesWithBothQuotesAndReferences() throws {
        let root = try parse("<R a=\"1\" b='two \"2\"' c = \"x&amp;y&#10;z\" d=\"tab\tand&#9;ref\"/>")
        #expect(root.attributes == [
            XMLAttribute(name: "a", value: "1"),
            XMLAttribute(name: "b", value: "two \"2\""),
            XMLAttribute(name: "c", value: "x&y\nz"),
            XMLAttribute(name: "d", value: "tab and\tref"),
        ])
        #expect(root.attribute("b") == "two \"2\"")
        #expect(root.isEmpty)
    }

    @Test func namespacesOnTheRootAreKeptAsNames() throws {
        let text = #"<InvoiceResponse xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ns:Invoice xsi:nil="false"/></InvoiceResponse>"#
        let root = try parse(text)
        #expect(root.name == "InvoiceResponse")
        #expect(root.attributes.map(\.name) == ["xmlns:xsd", "xmlns:xsi"])
        #expect(root.attribute("xmlns:xsi") == "http://www.w3.org/2001/XMLSchema-instance")
        #expect(root.children[0].name == "ns:Invoice")
        #expect(root.children[0].localName == "Invoice")
    }

    @Test func lineEndsAreNormalised() throws {
        let root = try parse("<R a=\"1\r\n2\">x\r\ny\rz</R>")
        #expect(root.text == "x\ny\nz")
        #expect(root.attribute("a") == "1 2")
    }

    @Test func exactByteRangesAfterMultiByteText() throws {
        let text = "<?xml version=\"1.0\"?>\n<Root>ëé€😀<A k='ü'>Grüße &amp; 😀</A>\n  <B />\n<C><D>ä</D></C></Root>\n"
        let bytes = Array(text.utf8)
        let root = try XMLReader.parse(bytes)
        func slice(_ element: XMLElement) -> String { String(decoding: bytes[element.range], as: UTF8.self) }
        #expect(slice(root.children[0]) == "<A k='ü'>Grüße &amp; 😀</A>")
        #expect(slice(root.children[1]) == "<B />")
        #expect(slice(root.children[2]) == "<C><D>ä</D></C>")
        #expect(slice(root.children[2].children[0]) == "<D>ä</D>")
        #expect(slice(root).hasPrefix("<Root>") && slice(root).hasSuffix("</Root>"))
        #expect(root.range.upperBound == bytes.count - 1)
        #expect(root.children[0].text == "Grüße & 😀")
        #expect(root.text == "ëé€😀\n  \n")
    }

    @Test func looksLikeXML() {
        #expect(XMLReader.looksLikeXML(Array("<a/>".utf8)))
        #expect(XMLReader.looksLikeXML([0xEF, 0xBB, 0xBF] + Array(" \r\n\t<?xml".utf8)))
        #expect(!XMLReader.looksLikeXML(Array(" {\"Invoices\": []}".utf8)))
        #expect(!XMLReader.looksLikeXML([]))
        #expect(!XMLReader.looksLikeXML(Array("   ".utf8)))
    }

    // MARK: Refusals

    @Test func doctypeIsRefused() throws {
        let text = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
        <R>&lol2;</R>
        """
        let error = try #require(parseError(text))
        #expect(error.offset == 22)
        #expect(error.reason.contains("DOCTYPE"))
        #expect(parseError("<R><!ENTITY x 'y'></R>") != nil)
    }

    @Test func mismatchedTagIsRefusedWithItsOffset() throws {
        let error = try #require(parseError("<R><A>x</B></R>"))
        #expect(error.offset == 7)
        #expect(error.reason.contains("</B>") && error.reason.contains("<A>"))
        #expect(error.description.hasPrefix("invalid XML at byte 7:"))
    }

    @Test(arguments: [
        "", "   ", "text", "<R>", "<R><A></R>", "<R></R><S/>", "<R/>x", "x<R/>", "<R>&foo;</R>", "<R>& b</R>",
        "<R>&#0;</R>", "<R>&#XE4;</R>", "<R>&#;</R>", "<R>&#x;</R>", "<R>&amp</R>", "<R>&#xD800;</R>", "<R>&#x110000;</R>", "<R a=1/>", "<R a='1' a='2'/>", "<R a='1'b='2'/>",
        "<R a='<'/>", "<1R/>", "<R><!-- open</R>", "<R><![CDATA[open</R>", "<R>]]></R>", "<R>\u{01}</R>",
        "</R>", "<R/><?xml version='1.0'?>", "<?xml version='1.0' encoding='ISO-8859-1'?><R/>", "<R></R >x",
        "<R", "<R a='1'", "<R>a</R", "<R>a</R x>",
    ])
    func refusesMalformedXML(text: String) {
        #expect(throws: XMLParseError.self) { try XMLReader.parse(Array(text.utf8)) }
    }

    @Test func invalidUTF8IsRefused() throws {
        let prefix = Array("<R>ok ".utf8)
        for bad: [UInt8] in [[0xC3, 0x28], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]] {
            let error = try #require(parseError(prefix + bad + Array("</R>".utf8)))
            #expect(error.offset == prefix.count)
            #expect(error.reason.contains("UTF-8"))
        }
        #expect(parseError(Array("<R a='".utf8) + [0xC3, 0x28] + Array("'/>".utf8)) != nil)
        #expect(parseError(Array("<R".utf8) + [0xC3] + Array("/>".utf8)) != nil)
        #expect(parseError([0xFF, 0xFE, 0x3C, 0x00]) != nil)
    }

    @Test func depthBombIsRefusedQuickly() throws {
        let depth = 1_000_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let error = try #require(parseError(text))
        #expect(error.offset == XMLReader.maxDepth * 3)
        #expect(error.reason.contains("deeper"))
        // Exactly the limit is fine.
        let limit = XMLReader.maxDepth
        let ok = String(repeating: "<a>", count: limit) + "x" + String(repeating: "</a>", count: limit)
        #expect(try parse(ok).name == "a")
    }

    @Test func unclosedElementNamesItsStart() throws {
        let error = try #require(parseError("<R><A><B/>"))
        #expect(error.offset == 10)
        #expect(error.reason.contains("<A>") && error.reason.contains("byte 3"))
    }

    @Test func largeGeneratedDocument() throws {
        var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<InvoiceResponse><Invoice><Customers>\n"
        var lines = 0
        while text.utf8.count < 5_000_000 {
            text += "<Customer><AccountID>\(lines)</AccountID><CompanyName>Bäckerei &amp; Söhne \(lines)</CompanyName><CostCenter />"
            text += "<Subscriptions><Subscription><PriceLines>"
            for i in 0..<5 {
                text += "<PriceLine><SKU>SKU-\(i)</SKU><Quantity>\(i)</Quantity><ExtendedPrice>12.3\(i)</ExtendedPrice><Description><![CDATA[Line <\(i)>]]></Description></PriceLine>\n"
                lines += 1
            }
            text += "</PriceLines></Subscription></Subscriptions></Customer>\n"
        }
        text += "</Customers></Invoice></InvoiceResponse>"
        let bytes = Array(text.utf8)
        let elements = try #require(try XMLReader.parseEnvelope(bytes, root: "InvoiceResponse", element: "Invoice",
                                                                  listNames: Self.listNames))
        #expect(elements.count == 1)
        let invoice = try #require(elements[0].value.object)
        let customers = try #require(invoice["Customers"]?.array)
        #expect(customers.count * 5 == lines)
        #expect(customers.last?.object?["CompanyName"] == .string("Bäckerei & Söhne \(lines - 5)"))
    }

    // MARK: JSON shapes

    @Test func listContainersWithZeroOneAndTwoChildren() throws {
        let value = try json("""
        <Customer>
          <Subscriptions />
          <PriceLines></PriceLines>
          <SubscriptionDetails>
          </SubscriptionDetails>
          <Items><Item>1</Item></Items>
          <Lines><Line>1</Line><Line>2</Line></Lines>
          <Things />
        </Customer>
        """)
        let object = try #require(value.object)
        #expect(object.members.map(\.key) == ["Subscriptions", "PriceLines", "SubscriptionDetails", "Items", "Lines", "Things"])
        #expect(object["Subscriptions"] == .array([]))
        #expect(object["PriceLines"] == .array([]))
        #expect(object["SubscriptionDetails"] == .array([]))
        #expect(object["Items"] == .array([.string("1")]))
        #expect(object["Lines"] == .array([.string("1"), .string("2")]))
        #expect(object["Things"] == .null)
        // A container of objects with one child.
        let one = try json("<Customers><Customer><AccountID>7</AccountID></Customer></Customers>")
        #expect(one == .array([.object(JSONObject([("AccountID", .string("7"))]))]))
        // Case is ignored when matching the plural.
        #expect(try json("<PRICELINES><priceline>x</priceline></PRICELINES>") == .array([.string("x")]))
    }

    @Test func repeatedChildrenBecomeAnArrayAtTheFirstPosition() throws {
        let value = try json("<R><A>1</A><B>2</B><A>3</A><C><D/></C><A><E>4</E></A></R>")
        let object = try #require(value.object)
        #expect(object.members.map(\.key) == ["A", "B", "C"])
        #expect(object["A"] == .array([.string("1"), .string("3"), .object(JSONObject([("E", .string("4"))]))]))
        #expect(object["B"] == .string("2"))
        #expect(object["C"] == .object(JSONObject([("D", .null)])))

        // Wide objects (many distinct names) group the same way.
        let names = (0..<40).map { "N\($0)" }
        let wide = "<R>" + names.map { "<\($0)>a</\($0)>" }.joined() + names.reversed().map { "<\($0)>b</\($0)>" }.joined() + "<N3>c</N3></R>"
        let wideObject = try #require(try json(wide).object)
        #expect(wideObject.members.map(\.key) == names)
        #expect(wideObject["N0"] == .array([.string("a"), .string("b")]))
        #expect(wideObject["N3"] == .array([.string("a"), .string("b"), .string("c")]))
        #expect(wideObject.members.allSatisfy { $0.value.array?.count ?? 0 >= 2 })
    }

    @Test func nilEmptyAndTextLeaves() throws {
        let value = try json("""
        <R xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <A xsi:nil="true" />
          <B xsi:nil="true"></B>
          <C xsi:nil="false">x</C>
          <D other="1">  0.10 </D>
          <E />
          <F></F>
          <G><![CDATA[]]></G>
          <PriceLines xsi:nil="true" />
        </R>
        """)
        let object = try #require(value.object)
        #expect(object["A"] == .null)
        #expect(object["B"] == .null)
        #expect(object["C"] == .string("x"))
        #expect(object["D"] == .string("  0.10 "))
        #expect(object["E"] == .null)
        #expect(object["F"] == .null)
        #expect(object["G"] == .null)
        #expect(object["PriceLines"] == .null)
    }

    @Test func envelopeGivesEachInvoicesExactBytes() throws {
        let text = """
        <?xml version="1.0" encoding="utf-8"?>
        <ns:InvoiceResponse xmlns:ns="urn:x"><Meta>m</Meta>
          <ns:Invoice><Header><InvoiceID>1</InvoiceID></Header></ns:Invoice>
          <Invoice><Header><InvoiceID>ü2</InvoiceID></Header><Customers /></Invoice>
        </ns:InvoiceResponse>
        """
        let bytes = Array(text.utf8)
        let elements = try #require(try XMLReader.parseEnvelope(bytes, root: "invoiceresponse", element: "Invoice",
                                                                  listNames: Self.listNames))
        #expect(elements.count == 2)
        #expect(String(decoding: bytes[elements[0].range], as: UTF8.self)
                == "<ns:Invoice><Header><InvoiceID>1</InvoiceID></Header></ns:Invoice>")
        #expect(String(decoding: bytes[elements[1].range], as: UTF8.self)
                == "<Invoice><Header><InvoiceID>ü2</InvoiceID></Header><Customers /></Invoice>")
        #expect(elements[1].value == .object(JSONObject([
            ("Header", .object(JSONObject([("InvoiceID", .string("ü2"))]))),
            ("Customers", .array([])),
        ])))
        #expect(try XMLReader.parseEnvelope(Array("<Other><Invoice/></Other>".utf8), root: "InvoiceResponse",
                                            element: "Invoice", listNames: []) == nil)
        #expect(throws: XMLParseError.self) {
            try XMLReader.parseEnvelope(Array("<InvoiceResponse>".utf8), root: "InvoiceResponse", element: "Invoice", listNames: [])
        }
    }

    /// Reading the root's children one at a time accepts, rejects and cuts exactly what parsing
    /// the whole tree does: the same children, the same error at the same offset.
    @Test func theCursorReadsWhatTheWholeParseReads() {
        let text = """
        <?xml version="1.0" encoding="utf-8"?>
        <!-- head --><ns:InvoiceResponse xmlns:ns="urn:x" a="1"><Meta>m&amp;</Meta>
          <ns:Invoice><Header><InvoiceID>1</InvoiceID></Header><![CDATA[x<y]]></ns:Invoice><?pi x?>
          <Invoice/><Invoice><Customers><Customer><Name>é</Name></Customer></Customers></Invoice>
        </ns:InvoiceResponse>
        """
        let bytes = Array(text.utf8)
        func agree(_ body: [UInt8]) -> Bool {
            let cursor = XMLNodeCursor(body, builder: XMLTreeBuilder())
            var children: [XMLElement] = []
            let streamed: Result<[XMLElement], XMLParseError>
            do {
                while let child = try cursor.next() { children.append(child) }
                streamed = .success(children)
            } catch { streamed = .failure(error) }
            do {
                let root = try XMLReader.parse(body)
                return streamed == .success(root.children) && cursor.rootName == root.name
            } catch {
                return streamed == .failure(error)
            }
        }
        #expect(agree(bytes))
        for cut in 0...bytes.count where !agree(Array(bytes[..<cut])) { Issue.record("cut at \(cut)") }
        for position in bytes.indices {
            for replacement: UInt8 in [0x3C, 0x3E, 0x2F, 0x26, 0x20, 0x78, 0xFF] where replacement != bytes[position] {
                var body = bytes
                body[position] = replacement
                if !agree(body) { Issue.record("byte \(position) → \(replacement)") }
            }
        }
    }

    /// The first element below `element` (document order) with a watched local name: what
    /// `XMLJSONNode.watchedBelow` must say, by walking the tree.
    static func watchedBelow(_ element: XMLElement, _ watched: [String]) -> String? {
        for child in element.children {
            if watched.contains(where: { asciiCaseInsensitiveEquals(child.localName, $0) }) { return child.name }
            if let found = watchedBelow(child, watched) { return found }
        }
        return nil
    }

    /// Building each element's JSON shape as it completes gives what converting the whole tree
    /// gives, element by element, and fails where parsing the tree fails: on shapes the rules
    /// single out, and on every cut and byte flip of them.
    @Test func theShapeBuiltBottomUpIsTheTreesShape() {
        let text = """
        <?xml version="1.0" encoding="utf-8"?>
        <ns:InvoiceResponse xmlns:ns="urn:x" xmlns:xsi="urn:i"><Meta>m&amp;</Meta>
          <ns:Invoice><Header><InvoiceID> 1 </InvoiceID><Nil xsi:nil="true"><X>1</X></Nil><Nil2 q:nil="1"/></Header>
          <Customers><Customer><Name>é</Name><Subscriptions/></Customer></Customers><Note><![CDATA[x<y]]></Note>
          <A>1</A><B>2</B><A>3</A><C/><D> </D><E>e</E><F>f</F><G>g</G><H>h</H><I>i</I><J>j</J><K>k</K><L>l</L><M>m</M>
          <N>n</N><O>o</O><P>p</P><Q>q</Q><R>r</R><S>s</S><B>4</B><Items><Item>1</Item></Items><Items2><Item>1</Item><Other/></Items2>
          </ns:Invoice><?pi x?><Invoice/><Wrapper><Deeper><invoice><Header/></invoice></Deeper></Wrapper>
          <PriceLines></PriceLines><Wrap2><header>h</header></Wrap2>
        </ns:InvoiceResponse>
        """
        let bytes = Array(text.utf8)
        let watched = ["Invoice", "Header"]
        func agree(_ body: [UInt8]) -> Bool {
            // The whole document.
            let whole = Result { () throws(XMLParseError) in try XMLReader.jsonDocument(body, listNames: Self.listNames).value }
            let tree = Result { () throws(XMLParseError) in XMLReader.jsonValue(try XMLReader.parse(body), listNames: Self.listNames) }
            guard whole == tree else { return false }
            // The root's children, one at a time.
            let shapes = XMLShapeCursor(body, listNames: Self.listNames, watching: watched)
            let elements = XMLNodeCursor(body, builder: XMLTreeBuilder())
            while true {
                let shape = Result { () throws(XMLParseError) in try shapes.next() }
                let element = Result { () throws(XMLParseError) in try elements.next() }
                switch (shape, element) {
                case (.success(let shape?), .success(let element?)):
                    guard shape.name == element.name, shape.localName == element.localName, shape.range == element.range,
                          shape.value == XMLReader.jsonValue(element, listNames: Self.listNames),
                          shape.watchedBelow == Self.watchedBelow(element, watched) else { return false }
                case (.success(nil), .success(nil)): return shapes.rootName == elements.rootName
                case (.failure(let a), .failure(let b)): return a == b
                default: return false
                }
            }
        }
        #expect(agree(bytes))
        let parsed = try? XMLReader.jsonDocument(bytes, listNames: Self.listNames)
        #expect(parsed != nil)
        for cut in 0...bytes.count where !agree(Array(bytes[..<cut])) { Issue.record("cut at \(cut)") }
        for position in bytes.indices {
            for replacement: UInt8 in [0x3C, 0x3E, 0x2F, 0x26, 0x20, 0x78] where replacement != bytes[position] {
                var body = bytes
                body[position] = replacement
                if !agree(body) { Issue.record("byte \(position) → \(replacement)") }
            }
        }
    }

    @Test func realisticTwoTCloudInvoice() throws {
        let text = """
        <?xml version="1.0" encoding="utf-8"?>
        <InvoiceResponse xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <Invoice>
            <Header>
              <InvoiceID>INV-2024-000123</InvoiceID>
              <Date>2024-06-01T00:00:00</Date>
              <ExpirationDate>2024-07-01T00:00:00</ExpirationDate>
              <Currency>EUR</Currency>
              <Type>Invoice</Type>
              <TypeIdentifier>1</TypeIdentifier>
              <Description>Cloud services June 2024</Description>
              <Language>Nederlands</Language>
              <LanguageCode>nl</LanguageCode>
              <TermsOfPaymentDays>30</TermsOfPaymentDays>
              <TaxZoneID>NL</TaxZoneID>
              <TaxPercentage>21.00</TaxPercentage>
            </Header>
            <Sender>
              <AccountID>1000</AccountID>
              <CustomerNumber>D-1000</CustomerNumber>
              <CompanyName>2tCloud B.V.</CompanyName>
              <Street>Hoofdstraat 1</Street>
              <Zip>1234 AB</Zip>
              <City>Utrecht</City>
              <Country>Nederland</Country>
              <CountryCode>NL</CountryCode>
              <VATNumber>NL000000000B01</VATNumber>
            </Sender>
            <Receiver>
              <AccountID>2000</AccountID>
              <CustomerNumber>R-2000</CustomerNumber>
              <CompanyName>Reseller &amp; Co</CompanyName>
              <Street>Zijstraat 2</Street>
              <Zip />
              <City>Den Haag</City>
              <Country>Nederland</Country>
              <CountryCode>NL</CountryCode>
              <VATNumber xsi:nil="true" />
            </Receiver>
            <Customers>
              <Customer>
                <AccountID>31337</AccountID>
                <CustomerNumber>C-42</CustomerNumber>
                <CompanyName>Bäckerei Müller</CompanyName>
                <CostCenter />
                <Subscriptions>
                  <Subscription>
                    <SubscriptionID>555</SubscriptionID>
                    <SubscriptionName>Microsoft 365 Business Premium</SubscriptionName>
                    <StartDate>2023-01-15T00:00:00</StartDate>
                    <PlanID>77</PlanID>
                    <PlanName>M365 BP</PlanName>
                    <PlanCategoryName>Microsoft CSP</PlanCategoryName>
                    <BillingModel>1</BillingModel>
                    <SubscriptionPONumber />
                    <SubscriptionDetails>
                      <SubscriptionDetail>
                        <Attribute>Domain</Attribute>
                        <AttributeValue>mueller.onmicrosoft.com</AttributeValue>
                        <AttributeDescription>Tenant</AttributeDescription>
                        <noshow>false</noshow>
                      </SubscriptionDetail>
                    </SubscriptionDetails>
                    <PriceLines>
                      <PriceLine>
                        <LineId>1</LineId>
                        <UID>a1b2</UID>
                        <SKU>CFQ7TTC0LCHC</SKU>
                        <Description>Microsoft 365 Business Premium &#8211; monthly</Description>
                        <Quantity>10</Quantity>
                        <QuantityType>Licenses</QuantityType>
                        <UnitPrice>20.60</UnitPrice>
                        <Discount>0</Discount>
                        <ExtendedPrice>206.00</ExtendedPrice>
                        <VAT>43.26</VAT>
                        <StartDate>2024-06-01T00:00:00</StartDate>
                        <EndDate>2024-06-30T00:00:00</EndDate>
                        <Duration>1</Duration>
                        <DurationType>Month</DurationType>
                        <ChargeType>Cycle Fee</ChargeType>
                      </PriceLine>
                    </PriceLines>
                  </Subscription>
                  <Subscription>
                    <SubscriptionID>556</SubscriptionID>
                    <SubscriptionName>Azure plan</SubscriptionName>
                    <SubscriptionDetails />
                    <PriceLines>
                      <PriceLine>
                        <LineId>2</LineId>
                        <SKU>AZ-1</SKU>
                        <Quantity>-1.5</Quantity>
                        <ExtendedPrice>-3.10</ExtendedPrice>
                        <ChargeType>Correction</ChargeType>
                      </PriceLine>
                      <PriceLine>
                        <LineId>3</LineId>
                        <SKU>AZ-2</SKU>
                        <Quantity>0.000001</Quantity>
                        <ExtendedPrice>0.10</ExtendedPrice>
                        <ChargeType>Usage Fee</ChargeType>
                      </PriceLine>
                    </PriceLines>
                  </Subscription>
                </Subscriptions>
              </Customer>
            </Customers>
            <Totals>
              <TotalExclVAT>202.90</TotalExclVAT>
              <TotalVAT>43.26</TotalVAT>
              <TotalInclVAT>246.16</TotalInclVAT>
            </Totals>
          </Invoice>
        </InvoiceResponse>
        """
        let bytes = Array(text.utf8)
        let elements = try #require(try XMLReader.parseEnvelope(bytes, root: "InvoiceResponse", element: "Invoice",
                                                                  listNames: Self.listNames))
        #expect(elements.count == 1)
        let raw = String(decoding: bytes[elements[0].range], as: UTF8.self)
        #expect(raw.hasPrefix("<Invoice>\n") && raw.hasSuffix("</Totals>\n  </Invoice>"))

        let invoice = try #require(elements[0].value.object)
        #expect(invoice.members.map(\.key) == ["Header", "Sender", "Receiver", "Customers", "Totals"])

        let header = try #require(invoice["Header"]?.object)
        #expect(header["InvoiceID"] == .string("INV-2024-000123"))
        #expect(header["Date"] == .string("2024-06-01T00:00:00"))
        #expect(header["Currency"] == .string("EUR"))
        #expect(header["Type"] == .string("Invoice"))
        #expect(header["TypeIdentifier"] == .string("1"))
        #expect(header["TermsOfPaymentDays"] == .string("30"))
        #expect(header["TaxZoneId"] == .string("NL"))
        #expect(header["TaxPercentage"] == .string("21.00"))

        let sender = try #require(invoice["Sender"]?.object)
        #expect(sender["AccountID"] == .string("1000"))
        #expect(sender["Street"] == .string("Hoofdstraat 1"))

        let receiver = try #require(invoice["Receiver"]?.object)
        #expect(receiver["CompanyName"] == .string("Reseller & Co"))
        #expect(receiver["Zip"] == .null)
        #expect(receiver["VATNumber"] == .null)
        #expect(receiver["Address"] == nil)

        let customers = try #require(invoice["Customers"]?.array)
        #expect(customers.count == 1)
        let customer = try #require(customers[0].object)
        #expect(customer["AccountID"] == .string("31337"))
        #expect(customer["CustomerNumber"] == .string("C-42"))
        #expect(customer["CompanyName"] == .string("Bäckerei Müller"))
        #expect(customer["CostCenter"] == .null)

        let subscriptions = try #require(customer["Subscriptions"]?.array)
        #expect(subscriptions.count == 2)
        let first = try #require(subscriptions[0].object)
        #expect(first["SubscriptionID"] == .string("555"))
        #expect(first["SubscriptionPONumber"] == .null)
        #expect(first["SubscriptionDetails"] == .array([.object(JSONObject([
            ("Attribute", .string("Domain")),
            ("AttributeValue", .string("mueller.onmicrosoft.com")),
            ("AttributeDescription", .string("Tenant")),
            ("noshow", .string("false")),
        ]))]))
        let firstLines = try #require(first["PriceLines"]?.array)
        #expect(firstLines.count == 1)
        let line = try #require(firstLines[0].object)
        #expect(line["LineId"] == .string("1"))
        #expect(line["SKU"] == .string("CFQ7TTC0LCHC"))
        #expect(line["Description"] == .string("Microsoft 365 Business Premium – monthly"))
        #expect(line["Quantity"] == .string("10"))
        #expect(line["UnitPrice"] == .string("20.60"))
        #expect(line["ExtendedPrice"] == .string("206.00"))
        #expect(line["VAT"] == .string("43.26"))
        #expect(line["StartDate"] == .string("2024-06-01T00:00:00"))
        #expect(line["EndDate"] == .string("2024-06-30T00:00:00"))
        #expect(line["ChargeType"] == .string("Cycle Fee"))
        #expect(line["InvoiceRowHash"] == nil)

        let second = try #require(subscriptions[1].object)
        #expect(second["SubscriptionDetails"] == .array([]))
        let secondLines = try #require(second["PriceLines"]?.array)
        #expect(secondLines.map { $0.object?["ExtendedPrice"] } == [.string("-3.10"), .string("0.10")])
        #expect(secondLines.map { $0.object?["Quantity"] } == [.string("-1.5"), .string("0.000001")])

        let totals = try #require(invoice["Totals"]?.object)
        #expect(totals.members.map(\.key) == ["TotalExclVAT", "TotalVAT", "TotalInclVAT"])
        #expect(totals["TotalInclVAT"] == .string("246.16"))
    }
}
