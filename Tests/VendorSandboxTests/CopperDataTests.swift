import Foundation
import Testing
import VendorSandbox

/// The vendor customers of the test data (Copaco demo + 2tCloud demo), generated once.
let vendorCustomers = CopperSandboxData.vendorCustomers(copaco: demoData, twotcloud: twotData)
let copperData = CopperSandboxData.generate(seed: 42, companies: 1_234, vendorCustomers: vendorCustomers, today: testToday)

@Suite("Copper sandbox data")
struct CopperDataTests {
    @Test("the vendor customers are Copaco's and 2tCloud's end customers, not the fictional example")
    func vendorCustomerList() {
        #expect(vendorCustomers.count == 16)
        for number in ["000417", "10238", "11290", "000731", "10412", "12790"] { #expect(vendorCustomers[number] != nil, "\(number)") }
        #expect(vendorCustomers["000001"] == nil)
        #expect(vendorCustomers["0104233"] == nil && vendorCustomers["COPACO-NL"] == nil)
    }

    @Test("same seed, same companies; another seed, other companies; more companies keep the first ones")
    func determinism() {
        let again = CopperSandboxData.generate(seed: 42, companies: 1_234, vendorCustomers: vendorCustomers, today: testToday)
        #expect(again == copperData)
        let other = CopperSandboxData.generate(seed: 43, companies: 1_234, vendorCustomers: vendorCustomers, today: testToday)
        #expect(other.companies.map(\.id) != copperData.companies.map(\.id))
        #expect(other.companies.map(\.name) != copperData.companies.map(\.name))
        let more = CopperSandboxData.generate(seed: 42, companies: 1_300, vendorCustomers: vendorCustomers, today: testToday)
        #expect(Array(more.companies.prefix(1_234).map(\.id)) == copperData.companies.map(\.id))
        #expect(Array(more.companies.prefix(1_234).map(\.dateModified)) == copperData.companies.map(\.dateModified))
        #expect(CopperSandboxData.generate(seed: 42, companies: 0, vendorCustomers: vendorCustomers, today: testToday).companies.isEmpty)
    }

    @Test("ids unique and ascending; 10-digit unix seconds over several years; runs of equal date_modified")
    func shape() {
        let companies = copperData.companies
        #expect(companies.count == 1_234)
        #expect(zip(companies, companies.dropFirst()).allSatisfy { $0.id < $1.id })
        let endOfToday = 1_750_031_999 // 2025-06-15T23:59:59Z
        for company in companies {
            #expect(String(company.dateCreated).count == 10 && String(company.dateModified).count == 10)
            #expect(company.dateCreated <= company.dateModified && company.dateModified <= endOfToday)
        }
        let years = Set(companies.map { 1970 + $0.dateModified / 31_556_952 })
        #expect(years.count >= 5)
        let shared = Dictionary(grouping: companies, by: \.dateModified).values.filter { $0.count > 1 }
        #expect(shared.contains { $0.count >= 10 })
        #expect(copperData.latestModified == companies.map(\.dateModified).max())
    }

    @Test("fields as the contract lists them, names with odd characters")
    func fields() {
        let companies = copperData.companies
        #expect(companies.contains { $0.address == nil } && companies.contains { $0.address != nil })
        #expect(companies.contains { $0.assigneeID == nil } && companies.contains { $0.assigneeID != nil })
        #expect(companies.contains { !$0.phoneNumbers.isEmpty } && companies.contains { !$0.tags.isEmpty })
        #expect(companies.contains { !$0.websites.isEmpty } && companies.contains { !$0.socials.isEmpty })
        #expect(companies.contains { $0.name.unicodeScalars.contains { $0.value > 127 } })
        #expect(companies.contains { $0.name.contains("\"") } && companies.contains { $0.name.contains("'") })
        #expect(companies.contains { $0.name.contains("\\") } && companies.contains { $0.name.contains("\t") })
        let onCompanies = copperData.fieldDefinitions.filter(\.isOnCompanies).map(\.id)
        for company in companies { #expect(company.customFields.map(\.definitionID) == onCompanies) }
    }

    @Test("custom field definitions: Customer Number (String), Monthly Billed and Monthly Margin (Float), and others")
    func definitions() {
        let byName = Dictionary(uniqueKeysWithValues: copperData.fieldDefinitions.map { ($0.name, $0) })
        #expect(byName["Customer Number"]?.id == CopperCatalog.customerNumberFieldID)
        #expect(byName["Customer Number"]?.dataType == .string)
        #expect(byName["Monthly Billed"]?.id == CopperCatalog.monthlyBilledFieldID && byName["Monthly Billed"]?.dataType == .float)
        #expect(byName["Monthly Margin"]?.id == CopperCatalog.monthlyMarginFieldID && byName["Monthly Margin"]?.dataType == .float)
        #expect(byName["Customer Number (old)"] != nil)
        #expect(byName["LinkedIn Notes"]?.isOnCompanies == false)
        #expect(copperData.fieldDefinitions.count == 8)
    }

    @Test("claims: most vendor numbers claimed once, some unclaimed, one claimed twice, some companies claim none")
    func claims() {
        for data in [copperData, CopperSandboxData.generate(seed: 42, companies: 12, vendorCustomers: vendorCustomers, today: testToday)] {
            let claims = data.customerNumberClaims
            let numbers = data.vendorCustomerNumbers
            #expect(numbers == vendorCustomers.keys.sorted())
            let once = numbers.filter { claims[$0]?.count == 1 }
            #expect(once.count * 2 > numbers.count)
            #expect(!data.unclaimedCustomerNumbers.isEmpty)
            #expect(data.unclaimedCustomerNumbers.allSatisfy { claims[$0] == nil && vendorCustomers[$0] != nil })
            let vendorDuplicates = data.duplicateCustomerNumbers.filter { vendorCustomers[$0] != nil }
            #expect(vendorDuplicates.count == 1)
            #expect(vendorDuplicates.allSatisfy { claims[$0]?.count == 2 })
            #expect(!data.companiesWithoutCustomerNumber.isEmpty)
            // The truth agrees with the field as served, split on commas and trimmed.
            for company in data.companies {
                let text = company.customField(CopperCatalog.customerNumberFieldID)?.text ?? ""
                let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                #expect(parts == company.customerNumbers)
                for number in parts { #expect(claims[number]?.contains(company.id) == true) }
            }
        }
        // With 12 companies, vendor numbers are spread so that some companies hold two.
        let small = CopperSandboxData.generate(seed: 42, companies: 12, vendorCustomers: vendorCustomers, today: testToday)
        #expect(small.companies.contains { $0.customerNumbers.filter { vendorCustomers[$0] != nil }.count >= 2 })
    }

    @Test("the demo configuration serves 12 companies claiming the demo's vendor customers")
    func demo() {
        let configuration = SandboxConfiguration.demo(today: testToday)
        #expect(configuration.copperCompanies == 12)
        let sandbox = VendorSandbox(configuration: configuration)
        let data = sandbox.copperData
        #expect(data.companies.count == 12)
        #expect(data.vendorCustomerNumbers == CopperSandboxData.vendorCustomers(copaco: configuration.copacoData, twotcloud: configuration.twotcloudData).keys.sorted())
        #expect(data.unclaimedCustomerNumbers.count == 2)
        #expect(data.duplicateCustomerNumbers.count == 1)
        #expect(!data.companiesWithoutCustomerNumber.isEmpty)
        // The plain initialiser serves no companies.
        #expect(VendorSandbox(configuration: SandboxConfiguration(copacoData: demoData, today: testToday)).copperData.companies.isEmpty)
    }
}
