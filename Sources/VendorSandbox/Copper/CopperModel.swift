/// A company custom field's value as Copper serves it: `str | num | null` (docs/vendors.md). Numbers
/// keep their exact JSON text (`1234.56`), so tests compare what a client wrote, digit for digit.
package enum CopperSandboxFieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    /// The number's JSON text exactly as written (`12`, `1234.56`, `-0.5`).
    case number(String)
    case null
    /// Any other JSON, exactly as written: what a Copper whose field changed type might send
    /// (`["10577"]`), outside the contract, for drift tests.
    case drifted(String)

    package var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .number(let text), .drifted(let text): text
        case .null: "null"
        }
    }

    /// The text of a string or number value; nil for `null` and a drifted value.
    package var text: String? {
        switch self {
        case .string(let text), .number(let text): text
        case .null, .drifted: nil
        }
    }
}

/// `GET /custom_field_definitions` entry.
package struct CopperSandboxFieldDefinition: Sendable, Hashable {
    package enum DataType: String, Sendable, Hashable, CaseIterable {
        /// A one-line text; value a JSON string.
        case string = "String"
        /// A multi-line text; value a JSON string.
        case text = "Text"
        /// A decimal number; value a JSON number.
        case float = "Float"
        /// One option; value the option's id (a JSON number).
        case dropdown = "Dropdown"
        /// A day; value unix seconds (a JSON number).
        case date = "Date"
    }

    package struct Option: Sendable, Hashable {
        package var id: Int
        package var name: String
        package var rank: Int
    }

    package var id: Int
    package var name: String
    package var dataType: DataType
    /// Record types the field is on (`company`, `person`, `opportunity`): only definitions
    /// available on `company` appear in a company's `custom_fields` and may be written there.
    package var availableOn: [String]
    package var isFilterable: Bool
    /// Dropdown options; empty for other types.
    package var options: [Option]

    package var isOnCompanies: Bool { availableOn.contains("company") }
}

package struct CopperSandboxAddress: Sendable, Hashable {
    package var street: String?
    package var city: String?
    package var state: String?
    package var postalCode: String?
    package var country: String?

    package init(street: String? = nil, city: String? = nil, state: String? = nil, postalCode: String? = nil, country: String? = nil) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }
}

/// A phone number (`{"number", "category"}`), a website or a social profile (`{"url", "category"}`).
package struct CopperSandboxLabeled: Sendable, Hashable {
    /// `number` of a phone number, `url` of a website or social profile.
    package var value: String
    package var category: String

    package init(_ value: String, category: String) {
        self.value = value
        self.category = category
    }
}

/// One company, as `POST /companies/search`, `GET /companies/{id}` and `PUT /companies/{id}` serve it.
package struct CopperSandboxCompany: Sendable, Hashable {
    package var id: Int
    package var name: String
    package var address: CopperSandboxAddress?
    package var assigneeID: Int?
    package var contactTypeID: Int?
    package var details: String?
    package var emailDomain: String?
    package var phoneNumbers: [CopperSandboxLabeled]
    package var socials: [CopperSandboxLabeled]
    package var tags: [String]
    package var websites: [CopperSandboxLabeled]
    /// Not in Copper's contract (a field a client must keep without failing on it).
    package var primaryContactID: Int?
    /// Every definition available on companies, in definition order (unset: `.null`).
    package var customFields: [(definitionID: Int, value: CopperSandboxFieldValue)]
    package var interactionCount: Int
    /// How the company's `custom_fields` member is spelled when served; nil leaves it out (a
    /// Copper that renamed or dropped it, for drift tests).
    package var customFieldsMember: String? = "custom_fields"
    /// Whether the company's `id` is served (false: left out, for drift tests).
    package var servesID = true
    /// Unix seconds.
    package var dateCreated: Int
    /// Unix seconds; bumped by every accepted `PUT` and by `VendorSandbox.touchCopperCompanies`.
    package var dateModified: Int

    /// The value of that custom field definition (nil: the company does not carry it).
    package func customField(_ definitionID: Int) -> CopperSandboxFieldValue? {
        customFields.first { $0.definitionID == definitionID }?.value
    }

    package mutating func setCustomField(_ definitionID: Int, _ value: CopperSandboxFieldValue) {
        if let index = customFields.firstIndex(where: { $0.definitionID == definitionID }) {
            customFields[index].value = value
        } else {
            customFields.append((definitionID, value))
        }
    }

    /// The vendor customer numbers this company claims: the "Customer Number" field split on
    /// commas, each trimmed, empty parts dropped (in the order written).
    package var customerNumbers: [String] {
        guard let text = customField(CopperCatalog.customerNumberFieldID)?.text else { return [] }
        return CopperSandboxCompany.splitCustomerNumbers(text)
    }

    package static func splitCustomerNumbers(_ text: String) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            .filter { !$0.isEmpty }
    }

    package static func == (lhs: CopperSandboxCompany, rhs: CopperSandboxCompany) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.address == rhs.address && lhs.assigneeID == rhs.assigneeID
            && lhs.contactTypeID == rhs.contactTypeID && lhs.details == rhs.details && lhs.emailDomain == rhs.emailDomain
            && lhs.phoneNumbers == rhs.phoneNumbers && lhs.socials == rhs.socials && lhs.tags == rhs.tags
            && lhs.websites == rhs.websites && lhs.primaryContactID == rhs.primaryContactID
            && lhs.customFields.count == rhs.customFields.count
            && zip(lhs.customFields, rhs.customFields).allSatisfy { $0.definitionID == $1.definitionID && $0.value == $1.value }
            && lhs.interactionCount == rhs.interactionCount && lhs.dateCreated == rhs.dateCreated && lhs.dateModified == rhs.dateModified
            && lhs.customFieldsMember == rhs.customFieldsMember && lhs.servesID == rhs.servesID
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(dateModified)
        hasher.combine(name)
    }
}

/// An activity created by `POST /activities` (a note on a company).
package struct CopperSandboxActivity: Sendable, Hashable {
    package var id: Int
    /// `parent.type` (always `company` in the sandbox) and `parent.id`.
    package var parentType: String
    package var companyID: Int
    /// `type.category` (`user`) and `type.id` (0: Note).
    package var typeCategory: String
    package var typeID: Int
    package var details: String
    /// Unix seconds (`activity_date` as sent, else the sandbox's clock).
    package var activityDate: Int
    package var dateCreated: Int
}

/// One accepted write (`PUT /companies/{id}` or `POST /activities`), in arrival order.
/// Rejected writes (401/404/422/429) are not recorded here (the request log has them).
package struct CopperWrite: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable {
        case updateCompany = "update-company"
        case createActivity = "create-activity"
    }

    package var kind: Kind
    /// `PUT` or `POST`.
    package var method: String
    /// `/developer_api/v1/companies/123`, `/developer_api/v1/activities`.
    package var path: String
    /// The company written to (the path's id for `PUT`, `parent.id` for `POST /activities`).
    package var companyID: Int
    /// The request body exactly as received.
    package var body: String
    /// Top-level attribute names of the body, in the order sent.
    package var attributes: [String]
    /// `PUT`: the custom field values the body set, by definition id (empty otherwise).
    package var customFields: [Int: CopperSandboxFieldValue]
    /// `POST /activities`: the activity created.
    package var activity: CopperSandboxActivity?
    /// `PUT`: the company's `date_modified` after the write.
    package var dateModified: Int?
    package var receivedAt: ContinuousClock.Instant
}
