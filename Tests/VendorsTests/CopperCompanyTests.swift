import Ingestion
import JSON
import Testing
@testable import Vendors

/// Reading one company of Copper's search as the contract allows it to come.
@Suite struct CopperCompanyTests {
    func read(_ json: String) throws -> Result<CopperCompany, DocumentRejection> {
        guard case .object(let object) = try JSONParser.parse(Array(json.utf8)) else {
            Issue.record("not an object"); throw DocumentRejection("not an object")
        }
        return CopperClient.company(object)
    }

    @Test func wholeNumbersSentAsDecimalsOrStringsAreWholeNumbers() throws {
        let company = try read("""
            {"ID": 2.0, "Date_Modified": "1759999700", "assignee_id": 1E1, "name": "A",
             "custom_fields": [{"custom_field_definition_id": 620001.00, "value": 10577.0},
                               {"custom_field_definition_id": 620006, "value": "000417"},
                               {"custom_field_definition_id": 620007, "value": 12.50}]}
            """).get()
        #expect(company.id == 2 && company.dateModified == 1_759_999_700 && company.assigneeID == 10)
        // A number field's customer number: 10577.0 is 10577, a text field keeps its zeros.
        #expect(company.value(of: 620_001) == "10577")
        #expect(company.value(of: 620_006) == "000417")
        #expect(company.value(of: 620_007) == "12.5")
    }

    /// `value` is text, a number or null; anything else is kept apart, for the sync to reject
    /// when it is the customer-number field (another field's, e.g. a multi-select, is no matter).
    @Test func aFieldValueOfAnotherTypeIsNotReadAsNoValue() throws {
        let company = try read("""
            {"id": 2, "date_modified": 1759999700, "custom_fields": [
              {"custom_field_definition_id": 1, "value": ["10577"]}, {"custom_field_definition_id": 2, "value": {"a": 1}},
              {"custom_field_definition_id": 3, "value": true}, {"custom_field_definition_id": 4, "value": null},
              {"custom_field_definition_id": 5}]}
            """).get()
        #expect(company.unreadableFields == [1: "array", 2: "object", 3: "boolean"])
        #expect(company.customFields.map(\.definitionID) == [4, 5])
        #expect(company.value(of: 1) == nil && company.value(of: 4) == nil)
    }

    @Test func aCompanyWithoutItsCustomFieldsArrayOrWholeIDIsRejected() throws {
        for (json, reason) in [
            (#"{"id": 1, "date_modified": 1759999700}"#, "custom_fields: missing"),
            (#"{"id": 1, "date_modified": 1759999700, "custom_fields": null}"#, "custom_fields: missing"),
            (#"{"id": 1.5, "date_modified": 1759999700, "custom_fields": []}"#, "id:"),
            (#"{"id": 1, "custom_fields": []}"#, "date_modified:"),
            // Milliseconds, where Copper sends seconds: it would hold the next search past every change.
            (#"{"id": 1, "date_modified": 1759999700000, "custom_fields": []}"#, "date_modified: 1759999700000 is in the future"),
        ] {
            guard case .failure(let rejection) = try read(json) else { Issue.record("accepted: \(json)"); continue }
            #expect(rejection.reason.hasPrefix(reason), "\(json): \(rejection.reason)")
        }
        // Present and empty: a company that claims no number.
        #expect(try read(#"{"id": 1, "date_modified": 1759999700, "custom_fields": []}"#).get().customFields.isEmpty)
    }

    @Test func theCustomerNumberFieldIsTheCompanyFieldOfThatNameWhateverTheSpacesAndCase() throws {
        let definitions = [
            CopperCustomFieldDefinition(id: 1, name: "Customer Number", dataType: "String", availableOn: ["person"]),
            CopperCustomFieldDefinition(id: 2, name: "customer number ", dataType: "String", availableOn: ["company", "opportunity"]),
            CopperCustomFieldDefinition(id: 3, name: "Customer Number (old)", dataType: "String", availableOn: ["company"]),
        ]
        #expect(try definitions.companyField(named: "Customer Number")?.id == 2)
        #expect(try definitions.companyField(named: " CUSTOMER NUMBER\t")?.id == 2)
        #expect(try definitions.companyField(named: "Customer Number (old)")?.id == 3)
        #expect(try definitions.companyField(named: "Customer") == nil)
        // Without available_on, a definition counts as one on companies.
        #expect(try [CopperCustomFieldDefinition(id: 9, name: "Debtor", dataType: nil)].companyField(named: "debtor")?.id == 9)
        #expect(definitions.quotedNames == #""Customer Number", "customer number ", "Customer Number (old)""#)
        // The exact spelling wins over another letter case; two tied are refused, naming both.
        let cased = [CopperCustomFieldDefinition(id: 4, name: "CUSTOMER NUMBER", dataType: "String", availableOn: ["company"]),
                     CopperCustomFieldDefinition(id: 5, name: "Customer Number", dataType: "String", availableOn: ["company"])]
        #expect(try cased.companyField(named: "Customer Number")?.id == 5)
        #expect(throws: CopperError.self) { try cased.companyField(named: "customer number") }
        let twins = [CopperCustomFieldDefinition(id: 6, name: "Debtor", dataType: nil), CopperCustomFieldDefinition(id: 7, name: "Debtor", dataType: nil)]
        #expect { try twins.companyField(named: "Debtor") } throws: { "\($0)".contains("ids 6, 7") }
    }
}
