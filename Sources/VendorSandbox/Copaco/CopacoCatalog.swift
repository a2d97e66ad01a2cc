/// Fixed reference data for the generated Copaco documents: parties, products, meters,
/// customer names. Names and descriptions deliberately carry commas, quotes, a newline, a
/// tab, a backslash, `€` and `ë`, so that clients prove their JSON and CSV handling.
enum CopacoCatalog {
    static let copaco = SandboxParty(
        accountID: 1000, customerNumber: "COPACO-NL", companyName: "Copaco Nederland B.V.",
        address: "Hoevenweg 1", zip: "5652 AW", city: "Eindhoven", country: "Nederland",
        countryCode: "NL", vatNumber: "NL004533466B01", email: "cloudbilling@copaco.com")

    static let reseller = SandboxParty(
        accountID: 104_233, customerNumber: "0104233", companyName: "Voorbeeld ICT Diensten B.V.",
        address: "Stationsplein 12", zip: "3511 ED", city: "Utrecht", country: "Nederland",
        countryCode: "NL", vatNumber: "NL861234567B01", email: "inkoop@voorbeeld-ict.nl")

    /// The first customers, in this order; more are numbered.
    static let customerNames: [(name: String, number: String, slug: String)] = [
        ("Bakkerij \"De Ëik\", Zwolle", "000417", "bakkerijdeeik"),
        ("Smit & Zn.\nAfdeling IT", "10238", "smitenzn"),
        ("Café €uro BV", "002931", "cafeeuro"),
        ("Van der Berg Installatietechniek B.V.", "10577", "vdberginstallatie"),
        ("Stichting Zorggroep 't Veen", "000088", "zorggroeptveen"),
        ("De Groot, Jansen & Partners Advocaten", "11034", "degrootjansen"),
        ("Tandartspraktijk Ölmez\\Dijkstra", "004512", "olmezdijkstra"),
        ("Logistiek Noord-Holland B.V. (LNH)", "11290", "lnh"),
    ]

    static let towns = ["Amersfoort", "Den Bosch", "Leeuwarden", "Heerlen", "Goes", "Almere", "Enschede", "Delft"]

    struct License: Sendable {
        let sku: String
        let name: String
        let unitMicros: Int64
        let planID: Int
    }

    /// Microsoft NCE monthly licences (cost prices per user per month).
    static let licenses: [License] = [
        License(sku: "CFQ7TTC0LH18:0001", name: "Microsoft 365 Business Basic", unitMicros: 5_600_000, planID: 40_101),
        License(sku: "CFQ7TTC0LDPB:0001", name: "Microsoft 365 Business Standard", unitMicros: 11_700_000, planID: 40_102),
        License(sku: "CFQ7TTC0LCHC:0002", name: "Microsoft 365 Business Premium", unitMicros: 20_600_000, planID: 40_103),
        License(sku: "CFQ7TTC0LH16:0001", name: "Exchange Online (Plan 1)", unitMicros: 3_740_000, planID: 40_104),
        License(sku: "CFQ7TTC0LHRJ:0002", name: "Microsoft Teams Phone Standard, \"nummerbehoud\" inbegrepen", unitMicros: 7_490_000, planID: 40_105),
        License(sku: "CFQ7TTC0LHWP:0001", name: "Windows 365 Business 2 vCPU, 8 GB, 128 GB", unitMicros: 38_270_000, planID: 40_106),
        License(sku: "CFQ7TTC0HD33:0002", name: "Visio Plan 2 (prijs in €/gebruiker/maand)", unitMicros: 12_950_000, planID: 40_107),
        License(sku: "CFQ7TTC0LH2H:0001", name: "Microsoft Defender for Business", unitMicros: 2_810_000, planID: 40_108),
    ]

    /// Added by a re-issue (`VendorSandbox.reissue`), one per revision.
    static let reissueAddOns: [License] = [
        License(sku: "CFQ7TTC0MM8R:0002", name: "Microsoft 365 Copilot", unitMicros: 28_100_000, planID: 40_120),
        License(sku: "CFQ7TTC0LFK5:0001", name: "Power BI Pro", unitMicros: 13_100_000, planID: 40_121),
        License(sku: "CFQ7TTC0LH3N:0001", name: "Microsoft Intune Plan 1", unitMicros: 7_490_000, planID: 40_122),
    ]

    /// One-time purchases (perpetual software).
    static let oneTime = License(sku: "DG7GMGF0D7FV:0002", name: "Office LTSC Standard 2021, eenmalige aankoop", unitMicros: 412_300_000, planID: 40_130)

    /// Azure plan meters (usage, billed in arrears).
    static let azureMeters: [SandboxMeter] = [
        SandboxMeter(sku: "DZH318Z0BQ5S:003C", name: "Virtual Machines Dv3 Series - D2 v3 - EU West", unitMicros: 109_500, quantityType: "Hours", minMicros: 300_000_000, maxMicros: 1_488_000_000, decimals: 6),
        SandboxMeter(sku: "DZH318Z0BNVX:0013", name: "Storage - Standard SSD Managed Disks - E10 LRS Disk", unitMicros: 8_230_000, quantityType: "Disk/Month", minMicros: 1_000_000, maxMicros: 6_000_000, decimals: 3),
        SandboxMeter(sku: "DZH318Z0BP04:0091", name: "Bandwidth - Data Transfer Out\t(Zone 1)", unitMicros: 79_120, quantityType: "GB", minMicros: 2_000_000, maxMicros: 950_000_000, decimals: 6),
        SandboxMeter(sku: "DZH318Z0BQ3Q:0002", name: "Azure SQL Database, Single \"General Purpose\" - vCore", unitMicros: 128_634, quantityType: "vCore Hours", minMicros: 100_000_000, maxMicros: 1_488_000_000, decimals: 3),
        SandboxMeter(sku: "DZH318Z0BXWC:0007", name: "Azure Backup - Protected Instances", unitMicros: 9_040_000, quantityType: "Instances", minMicros: 1_000_000, maxMicros: 12_000_000, decimals: 0),
        SandboxMeter(sku: "DZH318Z0BNZH:0051", name: "Azure Monitor - Log Analytics, data ingestion", unitMicros: 2_542_300, quantityType: "GB", minMicros: 500_000, maxMicros: 80_000_000, decimals: 6),
    ]

    /// VMware by Broadcom (VCSP) usage.
    static let vmwareMeters: [SandboxMeter] = [
        SandboxMeter(sku: "VMW-VCF-CORE", name: "VMware Cloud Foundation, per core", unitMicros: 29_750_000, quantityType: "Cores", minMicros: 16_000_000, maxMicros: 256_000_000, decimals: 0),
        SandboxMeter(sku: "VMW-VSAN-TIB", name: "vSAN add-on capaciteit per TiB, verbruik", unitMicros: 21_450_000, quantityType: "TiB", minMicros: 2_000_000, maxMicros: 64_000_000, decimals: 3),
        SandboxMeter(sku: "VMW-VCD-VM", name: "VMware Cloud Director, \"managed\" VM", unitMicros: 4_125_000, quantityType: "VM", minMicros: 3_000_000, maxMicros: 120_000_000, decimals: 0),
    ]

    static let vmwareOnboarding = SandboxMeter(sku: "VMW-ONBOARD", name: "Onboarding VMware Cloud Director, eenmalig", unitMicros: 350_000_000, quantityType: "Stuk", minMicros: 1_000_000, maxMicros: 1_000_000, decimals: 0)

}
