/// A company custom field's value as Copper serves it: `str | num | null` (copper.md). Numbers
/// keep their exact JSON text (`1234.56`), so tests compare what a client wrote, digit for digit.
public enum CopperSandboxFieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    /// The number's JSON text exactly as written (`12`, `1234.56`, `-0.5`).
    case number(String)
    case null

    public var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .number(let text): text
        case .null: "null"
        }
    }

    /// The text of a string or number value; nil for `null`.
    public var text: String? {
        switch self {
        case .string(let text), .number(let text): text
        case .null: nil
        }
    }
}

/// `GET /custom_field_definitions` entry.
public struct CopperSandboxFieldDefinition: Sendable, Hashable {
    public enum DataType: String, Sendable, Hashable, CaseIterable {
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

    public struct Option: Sendable, Hashable {
        public var id: Int
        public var name: String
        public var rank: Int
    }

    public var id: Int
    public var name: String
    public var dataType: DataType
    /// Record types the field is on (`company`, `person`, `opportunity`): only definitions
    /// available on `company` appear in a company's `custom_fields` and may be written there.
    public var availableOn: [String]
    public var isFilterable: Bool
    /// Dropdown options; empty for other types.
    public var options: [Option]

    public var isOnCompanies: Bool { availableOn.contains("company") }
}

public struct CopperSandboxAddress: Sendable, Hashable {
    public var street: String?
    public var city: String?
    public var state: String?
    public var postalCode: String?
    public var country: String?

    public init(street: String? = nil, city: String? = nil, state: String? = nil, postalCode: String? = nil, country: String? = nil) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }
}

/// A phone number (`{"number", "category"}`), a website or a social profile (`{"url", "category"}`).
public struct CopperSandboxLabeled: Sendable, Hashable {
    /// `number` of a phone number, `url` of a website or social profile.
    public var value: String
    public var category: String

    public init(_ value: String, category: String) {
        self.value = value
        self.category = category
    }
}

/// One company, as `POST /companies/search`, `GET /companies/{id}` and `PUT /companies/{id}` serve it.
public struct CopperSandboxCompany: Sendable, Hashable {
    public var id: Int
    public var name: String
    public var address: CopperSandboxAddress?
    public var assigneeID: Int?
    public var contactTypeID: Int?
    public var details: String?
    public var emailDomain: String?
    public var phoneNumbers: [CopperSandboxLabeled]
    public var socials: [CopperSandboxLabeled]
    public var tags: [String]
    public var websites: [CopperSandboxLabeled]
    /// Not in copper.md (a field a client must keep without failing on it).
    public var primaryContactID: Int?
    /// Every definition available on companies, in definition order (unset: `.null`).
    public var customFields: [(definitionID: Int, value: CopperSandboxFieldValue)]
    public var interactionCount: Int
    /// Unix seconds.
    public var dateCreated: Int
    /// Unix seconds; bumped by every accepted `PUT` and by `VendorSandbox.touchCopperCompanies`.
    public var dateModified: Int

    /// The value of that custom field definition (nil: the company does not carry it).
    public func customField(_ definitionID: Int) -> CopperSandboxFieldValue? {
        customFields.first { $0.definitionID == definitionID }?.value
    }

    public mutating func setCustomField(_ definitionID: Int, _ value: CopperSandboxFieldValue) {
        if let index = customFields.firstIndex(where: { $0.definitionID == definitionID }) {
            customFields[index].value = value
        } else {
            customFields.append((definitionID, value))
        }
    }

    /// The vendor customer numbers this company claims: the "Customer Number" field split on
    /// commas, each trimmed, empty parts dropped (in the order written).
    public var customerNumbers: [String] {
        guard let text = customField(CopperCatalog.customerNumberFieldID)?.text else { return [] }
        return CopperSandboxCompany.splitCustomerNumbers(text)
    }

    public static func splitCustomerNumbers(_ text: String) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            .filter { !$0.isEmpty }
    }

    public static func == (lhs: CopperSandboxCompany, rhs: CopperSandboxCompany) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.address == rhs.address && lhs.assigneeID == rhs.assigneeID
            && lhs.contactTypeID == rhs.contactTypeID && lhs.details == rhs.details && lhs.emailDomain == rhs.emailDomain
            && lhs.phoneNumbers == rhs.phoneNumbers && lhs.socials == rhs.socials && lhs.tags == rhs.tags
            && lhs.websites == rhs.websites && lhs.primaryContactID == rhs.primaryContactID
            && lhs.customFields.count == rhs.customFields.count
            && zip(lhs.customFields, rhs.customFields).allSatisfy { $0.definitionID == $1.definitionID && $0.value == $1.value }
            && lhs.interactionCount == rhs.interactionCount && lhs.dateCreated == rhs.dateCreated && lhs.dateModified == rhs.dateModified
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(dateModified)
        hasher.combine(name)
    }
}

/// An activity created by `POST /activities` (a note on a company).
public struct CopperSandboxActivity: Sendable, Hashable {
    public var id: Int
    /// `parent.type` (always `company` in the sandbox) and `parent.id`.
    public var parentType: String
    public var companyID: Int
    /// `type.category` (`user`) and `type.id` (0: Note).
    public var typeCategory: String
    public var typeID: Int
    public var details: String
    /// Unix seconds (`activity_date` as sent, else the sandbox's clock).
    public var activityDate: Int
    public var dateCreated: Int
}

/// One accepted write (`PUT /companies/{id}` or `POST /activities`), in arrival order.
/// Rejected writes (401/404/422/429) are not recorded here (the request log has them).
public struct CopperWrite: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case updateCompany = "update-company"
        case createActivity = "create-activity"
    }

    public var kind: Kind
    /// `PUT` or `POST`.
    public var method: String
    /// `/developer_api/v1/companies/123`, `/developer_api/v1/activities`.
    public var path: String
    /// The company written to (the path's id for `PUT`, `parent.id` for `POST /activities`).
    public var companyID: Int
    /// The request body exactly as received.
    public var body: String
    /// Top-level attribute names of the body, in the order sent.
    public var attributes: [String]
    /// `PUT`: the custom field values the body set, by definition id (empty otherwise).
    public var customFields: [Int: CopperSandboxFieldValue]
    /// `POST /activities`: the activity created.
    public var activity: CopperSandboxActivity?
    /// `PUT`: the company's `date_modified` after the write.
    public var dateModified: Int?
    public var receivedAt: ContinuousClock.Instant
}
