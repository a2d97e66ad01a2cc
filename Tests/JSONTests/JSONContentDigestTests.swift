import Testing
@testable import JSON

@Suite struct JSONContentDigestTests {
    func digest(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBytes(JSONContentDigest.of)
    }

    @Test func membersInAnotherOrderOrCaseSayTheSame() throws {
        let first = try #require(digest(#"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.50}], "Note": null}"#))
        #expect(digest(#"{"Note":null,"customers":[{"amount":1.50,"CUSTOMERNUMBER":"007"}],"invoiceId":"A-1"}"#) == first)
        #expect(digest("\u{FEFF}\n{ \"Customers\" : [ { \"Amount\" : 1.50 , \"CustomerNumber\" : \"\\u0030\\u00307\" } ] ,\n \"Note\" : null , \"InvoiceID\" : \"A\\u002d1\" }\n") == first,
                "white space, a byte-order mark and escapes are spelling")
    }

    @Test(arguments: [
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.5}], "Note": null}"#,  // number text
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "7", "Amount": 1.50}], "Note": null}"#,  // a value
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.50}]}"#,  // a member less
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.50}], "Note": false}"#,  // null is no false
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.50}, {}], "Note": null}"#,  // an element more
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007"}, {"Amount": 1.50}], "Note": null}"#,  // members moved between objects
        #"{"InvoiceID": "A-1", "Customers": {"CustomerNumber": "007", "Amount": 1.50}, "Note": null}"#,  // an object for an array
        #"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": "1.50"}], "Note": null}"#,  // a string for a number
    ])
    func whatItSaysChangesTheDigest(_ other: String) throws {
        let first = try #require(digest(#"{"InvoiceID": "A-1", "Customers": [{"CustomerNumber": "007", "Amount": 1.50}], "Note": null}"#))
        #expect(digest(other) != first)
    }

    @Test func elementOrderCounts() {
        #expect(digest("[1, 2]") != digest("[2, 1]"))
        #expect(digest(#"{"a": [1, 2]}"#) != digest(#"{"a": [2, 1]}"#))
    }

    @Test func aNameAndItsValueAreNotShiftedIntoEachOther() {
        #expect(digest(#"{"ab": "c"}"#) != digest(#"{"a": "bc"}"#))
        #expect(digest(#"{"a": "", "b": ""}"#) != digest(#"{"a": "b", "": ""}"#))
    }

    @Test(arguments: ["", "{", #"{"a": 1} x"#, "<Invoice/>", #"{"a": "\ud800"}"#, "[1,]"])
    func notJSONHasNoDigest(_ text: String) {
        #expect(digest(text) == nil)
    }
}
