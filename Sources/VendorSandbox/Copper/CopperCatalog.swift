/// Fixed reference data for the generated Copper companies: custom field definitions, users
/// (assignees), contact types, activity types, name parts. Names carry `&`, quotes, `'`, `/`, a
/// backslash, `<>`, a tab, `€`, `ë`, `ø` and CJK, so that clients prove their JSON handling.
package enum CopperCatalog {
    /// "Customer Number" (String): one or more vendor customer numbers, comma-separated.
    package static let customerNumberFieldID = 620_001
    /// "Monthly Billed" (Float): for `billwh publish copper`.
    package static let monthlyBilledFieldID = 620_002
    /// "Monthly Margin" (Float): for `billwh publish copper`.
    package static let monthlyMarginFieldID = 620_003

    package static let customerNumberFieldName = "Customer Number"

    /// Served by `GET /custom_field_definitions`, in this order.
    package static let fieldDefinitions: [CopperSandboxFieldDefinition] = [
        .init(id: customerNumberFieldID, name: customerNumberFieldName, dataType: .string, availableOn: ["company"], isFilterable: true, options: []),
        .init(id: monthlyBilledFieldID, name: "Monthly Billed", dataType: .float, availableOn: ["company"], isFilterable: true, options: []),
        .init(id: monthlyMarginFieldID, name: "Monthly Margin", dataType: .float, availableOn: ["company"], isFilterable: true, options: []),
        .init(id: 620_004, name: "Account Tier", dataType: .dropdown, availableOn: ["company", "opportunity"], isFilterable: true,
              options: [.init(id: 720_001, name: "Gold", rank: 0), .init(id: 720_002, name: "Silver", rank: 1), .init(id: 720_003, name: "Bronze", rank: 2)]),
        .init(id: 620_005, name: "Contract Renewal", dataType: .date, availableOn: ["company"], isFilterable: true, options: []),
        .init(id: 620_006, name: "Region", dataType: .string, availableOn: ["company", "person"], isFilterable: true, options: []),
        // A near-miss of the linking field's name: a client must match the configured name exactly.
        .init(id: 620_007, name: "Customer Number (old)", dataType: .string, availableOn: ["company"], isFilterable: false, options: []),
        // Not on companies: never in a company's custom_fields, 422 when written to one.
        .init(id: 620_008, name: "LinkedIn Notes", dataType: .text, availableOn: ["person"], isFilterable: false, options: []),
    ]

    /// The user who owns the sandbox's API key (`user_id` of created activities).
    package static let adminUserID = 880_100

    /// Copper users (`assignee_id`): the reseller's account managers.
    package static let users: [(id: Int, name: String, email: String)] = [
        (880_101, "Anouk de Vries", "anouk@reseller.example"),
        (880_102, "Bram Jansen", "bram@reseller.example"),
        (880_103, "Chantal Öztürk", "chantal@reseller.example"),
        (880_104, "Daan van 't Hof", "daan@reseller.example"),
        (880_105, "Eva Smit-Bakker", "eva@reseller.example"),
    ]

    /// `contact_type_id` values.
    static let contactTypes: [(id: Int, name: String)] = [
        (2_101, "Potential Customer"), (2_102, "Current Customer"), (2_103, "Uncategorized"), (2_104, "Former Customer"),
    ]

    /// `GET /activity_types`: `user` types may be posted (0 is "Note").
    static let userActivityTypes: [(id: Int, name: String, countsAsInteraction: Bool)] = [
        (0, "Note", false), (190_001, "Phone Call", true), (190_002, "Meeting", true),
    ]
    static let systemActivityTypes: [(id: Int, name: String)] = [(1, "Property Changed"), (3, "Pipeline Stage Changed")]

    static let nameStarts = [
        "Bloemenhandel 't Hoekje", "Café-Restaurant \"De Gouden Leeuw\"", "Müller & Co.", "Ørsted Advies", "Zorginstelling Ëlan",
        "Bakker/Van Dam", "Tandtechniek 100%", "Slagerij O'Neill", "Advocatenkantoor Smit\\Jansen", "ICT <Services>",
        "Garage Van den Broek\t& Zn.", "Kinderopvang De Ster", "Stichting €co Wonen", "東京 Trading", "Drukkerij Koster",
        "Fysiotherapie Beweeg!", "Accountants Verhoef, Bos", "Hotel 'De Zwaan'", "Veldhuis Transport", "Schildersbedrijf Peters",
    ]
    static let nameEnds = ["B.V.", "V.O.F.", "N.V.", "", "Holding", "Groep", "& Partners"]
    static let towns = ["Amsterdam", "Utrecht", "Zwolle", "Eindhoven", "Groningen", "Maastricht", "Haarlem", "Breda", "Arnhem", "Leiden"]
    static let provinces = ["Noord-Holland", "Utrecht", "Overijssel", "Noord-Brabant", "Groningen", "Limburg", "Noord-Holland", "Noord-Brabant", "Gelderland", "Zuid-Holland"]
    static let streets = ["Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Industrieweg", "Marktplein", "Havenkade"]
    static let regions = ["Noord", "Oost", "Zuid", "West", "Randstad"]
    static let tags = ["msp", "cloud", "zorg", "onderwijs", "VIP", "prospect 2023", "niet bellen", "azure", "m365", "backup"]
    static let detailLines = [
        "Klant sinds de overname van \"IT Noord\".",
        "Factuur per e-mail; PO-nummer verplicht.\nContact via de helpdesk.",
        "Let op: twee vestigingen, één contract.",
        "Betaalt per kwartaal \\ afspraak 2022",
    ]
}
