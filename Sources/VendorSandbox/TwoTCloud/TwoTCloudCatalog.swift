/// Fixed reference data for the generated 2tCloud documents. Names carry `&`, `<`, `>`, `"`,
/// `'` and non-ASCII (`Müller`, `Öztürk`, `Été`), so that clients prove their XML escaping.
/// The Microsoft licences are Copaco's catalogue (the same distributor platform).
enum TwoTCloudCatalog {
    static let twotcloud = SandboxParty(
        accountID: nil, customerNumber: "2TCLOUD", companyName: "2tCloud B.V. (Copaco Cloud)",
        address: "Hoevenweg 1", zip: "5652 AW", city: "Eindhoven", country: "Nederland",
        countryCode: "NL", vatNumber: "NL004533466B01", email: "billing@2tcloud.com")

    /// The reseller; its AccountID is the Basic-auth user name by default ("100042").
    static func reseller(accountID: Int) -> SandboxParty {
        SandboxParty(
            accountID: accountID, customerNumber: "0100042", companyName: "Noord & Zuid Cloud Services B.V.",
            address: "Kanaalweg 17-B", zip: "3526 KL", city: "Utrecht", country: "Nederland",
            countryCode: "NL", vatNumber: "NL859012345B01", email: "finance@noordzuid-cloud.nl")
    }

    struct CustomerSeed {
        let name: String
        let number: String
        let street: String
        let zip: String
        let city: String
        let email: String
    }

    /// The first customers, in this order; more are numbered.
    static let customers: [CustomerSeed] = [
        CustomerSeed(name: "Müller & Söhne Installatietechniek B.V.", number: "000731", street: "Industrieweg 4", zip: "5928 PD", city: "Venlo", email: "admin@muller-sohne.nl"),
        CustomerSeed(name: "Bouwbedrijf <De Toren> B.V.", number: "10412", street: "Torenstraat 88", zip: "8011 BW", city: "Zwolle", email: "ict@detoren.nl"),
        CustomerSeed(name: "Kapsalon 'Knip & Krul'", number: "004410", street: "Markt 3", zip: "4611 NS", city: "Bergen op Zoom", email: "info@knipenkrul.nl"),
        CustomerSeed(name: "Huisartsenpraktijk \"Het Anker\"", number: "11873", street: "Ankerplein 1", zip: "1781 AA", city: "Den Helder", email: "praktijk@hetanker.nl"),
        CustomerSeed(name: "Stichting Kinderopvang Zonnebloem", number: "000092", street: "Bloemenlaan 12", zip: "7511 AB", city: "Enschede", email: "beheer@zonnebloem.nl"),
        CustomerSeed(name: "Öztürk Logistics > Groningen", number: "12055", street: "Zuiderweg 210", zip: "9744 AP", city: "Groningen", email: "it@ozturk-logistics.nl"),
        CustomerSeed(name: "Brasserie l'Été & Co", number: "003318", street: "Vrijthof 21", zip: "6211 LE", city: "Maastricht", email: "bonjour@lete.nl"),
        CustomerSeed(name: "Accountantskantoor Van Dijk, Smit & De Vries", number: "12790", street: "Stationsweg 5", zip: "2312 AT", city: "Leiden", email: "kantoor@vdsdv.nl"),
    ]

    static let towns = ["Amersfoort", "Den Bosch", "Leeuwarden", "Heerlen", "Goes", "Almere", "Enschede", "Delft"]

    static let costCenters = ["KP-200", "Afdeling R&D", "ICT <algemeen>", "0450"]

    /// Acronis Cyber Protect Cloud, usage billed in arrears.
    static let acronisMeters: [SandboxMeter] = [
        SandboxMeter(sku: "ACR-CPC-WS", name: "Acronis Cyber Protect Cloud – Workstation", unitMicros: 2_950_000, quantityType: "Workloads", minMicros: 2_000_000, maxMicros: 40_000_000, decimals: 0),
        SandboxMeter(sku: "ACR-CPC-SRV", name: "Acronis Cyber Protect Cloud – Server", unitMicros: 17_400_000, quantityType: "Workloads", minMicros: 1_000_000, maxMicros: 6_000_000, decimals: 0),
        SandboxMeter(sku: "ACR-CPC-STOR", name: "Acronis Cloud Storage & Backup (GB, tier < 5 TB)", unitMicros: 21_875, quantityType: "GB", minMicros: 50_000_000, maxMicros: 4_000_000_000, decimals: 3),
        SandboxMeter(sku: "ACR-CPC-M365", name: "Acronis Backup for Microsoft 365 \"per seat\"", unitMicros: 1_182_500, quantityType: "Seats", minMicros: 5_000_000, maxMicros: 80_000_000, decimals: 0),
    ]

}
