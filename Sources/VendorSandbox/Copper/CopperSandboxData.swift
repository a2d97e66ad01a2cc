import Warehouse
/// Generated, deterministic companies for the fake Copper CRM Developer API v1.
///
/// Same seed + same company count + same vendor customer numbers + same `today` => the same
/// companies, byte for byte. Each company's own fields come from its own PRNG stream (seed,
/// Copper domain, index), so more companies only add companies; which company claims which
/// vendor customer number is drawn from a stream of its own.
///
/// The "Customer Number" custom field (`CopperCatalog.customerNumberFieldID`) links companies
/// to the vendors' `CustomerNumber`s: most vendor numbers are claimed by exactly one company,
/// some by none (`unclaimedCustomerNumbers`), one by two companies (`duplicateCustomerNumbers`),
/// and some companies claim none. Other companies may claim numbers of another distributor
/// (`TD-…`), which no invoice carries.
package struct CopperSandboxData: Sendable, Equatable {
    static let domain: UInt64 = 0xC0BBE5

    package let seed: UInt64
    /// `YYYY-MM-DD`: no generated `date_modified` is after this day.
    package let today: String
    /// Ascending `id`.
    package var companies: [CopperSandboxCompany]
    /// What `GET /custom_field_definitions` serves (`CopperCatalog.fieldDefinitions`).
    package let fieldDefinitions: [CopperSandboxFieldDefinition]
    /// The vendor customer numbers the generator handed out (sorted): the Copaco and 2tCloud
    /// customers of the sandbox's data.
    package let vendorCustomerNumbers: [String]

    /// No companies.
    package static let empty = CopperSandboxData(seed: 0, today: "1970-01-01", companies: [],
                                                fieldDefinitions: CopperCatalog.fieldDefinitions, vendorCustomerNumbers: [])

    /// Generates `companies` companies. `vendorCustomers`: customer number -> company name as
    /// the vendors print it (see `vendorCustomers(copaco:twotcloud:)`); companies that claim a
    /// number are named after that customer (as a CRM user would type it).
    package static func generate(seed: UInt64, companies: Int, vendorCustomers: [String: String], today: String) -> CopperSandboxData {
        guard let last = CalendarDate(iso: today) else { preconditionFailure("today must be YYYY-MM-DD: \(today)") }
        var generator = CopperGenerator(seed: seed, count: max(0, companies), vendorCustomers: vendorCustomers, today: last)
        return CopperSandboxData(seed: seed, today: today, companies: generator.run(),
                                 fieldDefinitions: CopperCatalog.fieldDefinitions, vendorCustomerNumbers: vendorCustomers.keys.sorted())
    }

    /// The end customers on the Copaco and 2tCloud documents (invoices, customer
    /// specifications, customer and consolidated invoices; not Copaco's fictional examples):
    /// customer number -> the first company name seen for it.
    package static func vendorCustomers(copaco: CopacoSandboxData, twotcloud: TwoTCloudSandboxData) -> [String: String] {
        var out: [String: String] = [:]
        for document in copaco.invoices + copaco.specifications {
            for customer in document.customers where out[customer.customerNumber] == nil { out[customer.customerNumber] = customer.companyName }
        }
        for endpoint in TwoTCloudEndpoint.allCases {
            for document in twotcloud.documents(endpoint) {
                for customer in document.customers where out[customer.customerNumber] == nil { out[customer.customerNumber] = customer.companyName }
            }
        }
        return out
    }

    // MARK: Accessors

    package func company(id: Int) -> CopperSandboxCompany? {
        index(of: id).map { companies[$0] }
    }

    func index(of id: Int) -> Int? {
        var low = 0, high = companies.count
        while low < high {
            let mid = (low + high) / 2
            if companies[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low < companies.count && companies[low].id == id ? low : nil
    }

    package func fieldDefinition(id: Int) -> CopperSandboxFieldDefinition? {
        fieldDefinitions.first { $0.id == id }
    }

    /// Every customer number any company claims -> the ids of the companies claiming it
    /// (ascending). Reflects writes (`PUT`) and runtime changes.
    package var customerNumberClaims: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for company in companies {
            for number in Set(company.customerNumbers) { out[number, default: []].append(company.id) }
        }
        return out
    }

    /// Vendor customer numbers no company claims (sorted): "unmapped" customers.
    package var unclaimedCustomerNumbers: [String] {
        let claims = customerNumberClaims
        return vendorCustomerNumbers.filter { claims[$0] == nil }
    }

    /// Customer numbers claimed by two or more companies (sorted).
    package var duplicateCustomerNumbers: [String] {
        customerNumberClaims.filter { $0.value.count > 1 }.keys.sorted()
    }

    /// Ids of the companies whose "Customer Number" field is empty.
    package var companiesWithoutCustomerNumber: [Int] {
        companies.filter { $0.customerNumbers.isEmpty }.map(\.id)
    }

    /// The latest `date_modified` (0 without companies).
    package var latestModified: Int { companies.reduce(0) { max($0, $1.dateModified) } }

    /// One line for `describe()`.
    package var claimsSummary: String {
        let claims = customerNumberClaims
        let once = vendorCustomerNumbers.filter { claims[$0]?.count == 1 }.count
        let unclaimed = unclaimedCustomerNumbers
        let duplicates = duplicateCustomerNumbers
        func list(_ numbers: [String]) -> String { numbers.isEmpty ? "" : " (\(numbers.joined(separator: ", ")))" }
        return "\(once) vendor customer numbers claimed once, \(unclaimed.count) unclaimed\(list(unclaimed)), "
            + "\(duplicates.count) claimed twice\(list(duplicates)), \(companiesWithoutCustomerNumber.count) companies without one"
    }
}

/// Draws the companies. See `CopperSandboxData`.
struct CopperGenerator {
    let seed: UInt64
    let count: Int
    let vendorCustomers: [String: String]
    let today: CalendarDate

    /// A company before its claims and names are settled.
    struct Draft {
        var company: CopperSandboxCompany
        var baseName: String
        var town: String
        var numbers: [String] = []
        var branch = false
        var separator = ","
        var padded = false
        var hasWebsite = false
        var hasSocial = false
        var hasDomain = false
        var otherNumber: String?
    }

    init(seed: UInt64, count: Int, vendorCustomers: [String: String], today: CalendarDate) {
        self.seed = seed
        self.count = count
        self.vendorCustomers = vendorCustomers
        self.today = today
    }

    static let firstCreatedDay = CalendarDate(year: 2016, month: 1, day: 4)!

    mutating func run() -> [CopperSandboxCompany] {
        var drafts = (0..<count).map(draft)
        assignClaims(&drafts)
        return drafts.map(finish)
    }

    func draft(_ index: Int) -> Draft {
        var rng = SplitMix64.derive(seed, CopperSandboxData.domain, 0xC0, UInt64(index))
        let id = 41_000_000 + index * 37 + rng.int(0...36)
        let lastCreated = max(CopperGenerator.firstCreatedDay.daysSinceEpoch, today.daysSinceEpoch - 30)
        let createdDay = rng.int(CopperGenerator.firstCreatedDay.daysSinceEpoch...lastCreated)
        let created = createdDay * 86_400 + rng.int(7 * 3_600...18 * 3_600)
        let endOfToday = today.daysSinceEpoch * 86_400 + 86_399
        var modified: Int
        if rng.chance(300) {
            modified = min(endOfToday, created + rng.int(0...86_400)) // barely touched since it was created
        } else {
            modified = rng.int(created...endOfToday)
        }
        // Bulk edits (an import, a mass update): many companies share one date_modified, so
        // pages end inside a run of equal timestamps and only the id tie-break keeps them apart.
        let bulk = [today.adding(days: -400).daysSinceEpoch * 86_400 + 2 * 3_600, today.adding(days: -90).daysSinceEpoch * 86_400 + 3 * 3_600 + 900]
        if index % 11 == 5 {
            let stamp = bulk[index % 2]
            if stamp >= created && stamp <= endOfToday { modified = stamp }
        }
        let town = rng.pick(CopperCatalog.towns)
        let townIndex = CopperCatalog.towns.firstIndex(of: town) ?? 0
        let start = rng.pick(CopperCatalog.nameStarts)
        let end = rng.pick(CopperCatalog.nameEnds)
        let baseName = [start, rng.chance(500) ? town : "", end].filter { !$0.isEmpty }.joined(separator: " ")
        var address: CopperSandboxAddress?
        if rng.chance(800) {
            let country = rng.chance(900) ? "NL" : rng.pick(["BE", "DE"])
            address = CopperSandboxAddress(
                street: rng.chance(900) ? "\(rng.pick(CopperCatalog.streets)) \(rng.int(1...240))\(rng.chance(150) ? "-B" : "")" : nil,
                city: town, state: rng.chance(700) ? CopperCatalog.provinces[townIndex] : nil,
                postalCode: "\(rng.int(1000...9999)) \(String(UnicodeScalar(UInt8(65 + rng.int(0...25)))))\(String(UnicodeScalar(UInt8(65 + rng.int(0...25)))))",
                country: country)
        }
        let assignee = rng.chance(900) ? rng.pick(CopperCatalog.users).id : nil
        let contactType = rng.chance(950) ? rng.pick(CopperCatalog.contactTypes).id : nil
        let details = rng.chance(400) ? rng.pick(CopperCatalog.detailLines) : nil
        var phones: [CopperSandboxLabeled] = []
        for _ in 0..<rng.int(0...2) {
            phones.append(CopperSandboxLabeled("+31 \(rng.int(10...79)) \(rng.int(100...999)) \(rng.int(1000...9999))",
                                               category: rng.pick(["work", "mobile", "other"])))
        }
        var tags: [String] = []
        for _ in 0..<rng.int(0...3) {
            let tag = rng.pick(CopperCatalog.tags)
            if !tags.contains(tag) { tags.append(tag) }
        }
        var fields: [(definitionID: Int, value: CopperSandboxFieldValue)] = []
        for definition in CopperCatalog.fieldDefinitions where definition.isOnCompanies {
            let value: CopperSandboxFieldValue
            switch definition.id {
            case 620_004: value = rng.chance(400) ? .number(String(rng.pick(definition.options).id)) : .null
            case 620_005: value = rng.chance(300) ? .number(String(today.adding(days: rng.int(-200...500)).daysSinceEpoch * 86_400)) : .null
            case 620_006: value = rng.chance(600) ? .string(rng.pick(CopperCatalog.regions)) : .null
            case 620_007: value = rng.chance(100) ? .string("OLD-\(rng.int(1000...9999))") : .null
            default: value = .null // Customer Number (set by the claims), Monthly Billed, Monthly Margin
            }
            fields.append((definition.id, value))
        }
        let company = CopperSandboxCompany(
            id: id, name: baseName, address: address, assigneeID: assignee, contactTypeID: contactType, details: details,
            emailDomain: nil, phoneNumbers: phones, socials: [], tags: tags, websites: [],
            primaryContactID: rng.chance(500) ? 95_000_000 + index * 13 + rng.int(0...12) : nil,
            customFields: fields, interactionCount: rng.int(0...250), dateCreated: created, dateModified: modified)
        var draft = Draft(company: company, baseName: baseName, town: town)
        draft.separator = rng.chance(500) ? ", " : ","
        draft.padded = rng.chance(150)
        draft.hasWebsite = rng.chance(600)
        draft.hasSocial = rng.chance(300)
        draft.hasDomain = rng.chance(850)
        draft.otherNumber = rng.chance(500) ? "TD-\(pad(100_000 + index, 6))" : nil
        return draft
    }

    /// Which company claims which vendor number: about 1 in 8 numbers (at least one) claimed by
    /// no company; the rest spread over the companies (some get two or three); the first
    /// claimed number also claimed by a second company (a branch, which claims nothing else
    /// when a company is free for it); about 1 in 5 companies (at least one, from 3 companies
    /// on) claim nothing at all.
    func assignClaims(_ drafts: inout [Draft]) {
        let n = drafts.count
        var rng = SplitMix64.derive(seed, CopperSandboxData.domain, 0xC1A1, UInt64(n), UInt64(vendorCustomers.count))
        var numbers = vendorCustomers.keys.sorted()
        rng.shuffle(&numbers)
        guard n > 0 else { return }
        var order = Array(0..<n)
        rng.shuffle(&order)
        let unclaimedCount = numbers.count >= 2 ? max(1, numbers.count / 8) : 0
        let claimed = Array(numbers[unclaimedCount...])
        let noneCount = n >= 3 ? max(1, (n + 3) / 5) : 0
        var nones = Set(order[..<noneCount])
        let holders = Array(order[noneCount...])
        for (k, number) in claimed.enumerated() { drafts[holders[k % holders.count]].numbers.append(number) }
        // The branch claims only the duplicated number when a company is free for it.
        if let duplicate = claimed.first {
            var second: Int?
            if holders.count > claimed.count {
                second = holders[claimed.count]
            } else if nones.count >= 2 {
                second = order[0]
                nones.remove(order[0])
            } else if holders.count >= 2 {
                let pick = holders[claimed.count % holders.count]
                second = pick == holders[0] ? holders[1] : pick
            }
            if let second {
                drafts[second].numbers.append(duplicate)
                drafts[second].branch = true
            }
        }
        for index in 0..<n where drafts[index].numbers.isEmpty && !nones.contains(index) {
            if let other = drafts[index].otherNumber { drafts[index].numbers.append(other) }
        }
    }

    func finish(_ draft: Draft) -> CopperSandboxCompany {
        var company = draft.company
        let vendorNumbers = draft.numbers.filter { vendorCustomers[$0] != nil }
        if let first = draft.branch ? vendorNumbers.last : vendorNumbers.first, let vendorName = vendorCustomers[first] {
            let clean = CopperGenerator.singleLine(vendorName)
            if draft.branch {
                company.name = "\(clean) – vestiging \(draft.town)"
            } else {
                company.name = vendorNumbers.count > 1 ? "\(clean) (groep)" : clean
            }
        }
        if !draft.numbers.isEmpty {
            let joined = draft.numbers.joined(separator: draft.separator)
            company.setCustomField(CopperCatalog.customerNumberFieldID, .string(draft.padded ? " \(joined) " : joined))
        }
        let slug = CopperGenerator.slug(company.name)
        if draft.hasDomain { company.emailDomain = "\(slug).nl" }
        if draft.hasWebsite { company.websites = [CopperSandboxLabeled("https://www.\(slug).nl", category: "work")] }
        if draft.hasSocial { company.socials = [CopperSandboxLabeled("https://www.linkedin.com/company/\(slug)", category: "linkedin")] }
        return company
    }

    /// Control characters (a vendor's newline or tab) as one space, runs of spaces collapsed.
    static func singleLine(_ text: String) -> String {
        var out = ""
        var space = false
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar == " " {
                space = !out.isEmpty
                continue
            }
            if space { out.unicodeScalars.append(" "); space = false }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// Lower-case ASCII letters and digits of the name (at most 24), `bedrijf` if none.
    static func slug(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars where out.count < 24 {
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39: out.unicodeScalars.append(scalar)
            case 0x41...0x5A: out.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            default: continue
            }
        }
        return out.isEmpty ? "bedrijf" : out
    }
}
