import Warehouse

/// Builds the 2tCloud sandbox documents.
///
/// Billing calendar (a choice: the vendor publishes none). Usage month M is billed in month M+1:
/// - the Microsoft purchase invoice on day 2–5, the Acronis purchase invoice on day 6–9;
/// - one customer invoice per customer on day 10–12 (both vendors' lines, selling prices);
/// - now and then a purchase credit note per vendor on day 14–18, with a customer credit note
///   for each customer it touches, the same day;
/// - a consolidated invoice for every purchase invoice and credit note, the same day.
/// A usage month whose first invoice would fall before `firstDate` is left out entirely.
///
/// Every stream is derived from (seed, 2tCloud domain, ...), month by month and customer by
/// customer, so moving `today` forward only adds documents, and the same seed as Copaco's does
/// not give correlated data.
///
/// Built-in reconciliation cases, by usage month index m (= year × 12 + month − 1):
/// - `unbilled` (m % 4 == 0): one purchase line is left off the customer invoice;
/// - `quantity_mismatch` (m % 4 == 2): one licence line billed with one seat more or fewer;
/// - `unbacked` (m % 6 == 1): a customer is billed a licence that was not bought;
/// - `seat_increase_decided` (m % 7 == 2): a licence bought as two lines on the same key
///   (e.g. 10 + 5 seats), billed as the same two quantities;
/// - `seat_increase_remainder` (m % 7 == 5): bought 10 + 5, billed 10 + 6;
/// - `ambiguous` (m % 8 == 3): when m / 8 is even, bought as two lines of the same quantity with
///   different amounts and billed the same way; when it is odd, bought as two lines and billed as
///   one line of the summed quantity.
/// Consolidated-invoice defects, on consolidated invoices (not credit notes) of 4 lines or more:
/// Microsoft: a line dropped when m is even, a line served twice when m % 3 == 1, a line moved
/// under another customer when m % 4 == 1; Acronis: a line dropped when m % 5 == 0. The exact
/// list is `TwoTCloudSandboxData.consolidatedDefectList`.
struct TwoTCloudGenerator {
    /// Mixed into every stream: 2tCloud data from the same seed as Copaco's is independent of it.
    static let domain: UInt64 = 0x2C_1D_0D
    static let resellerAccountID = 100_042

    enum Vendor: Int, CaseIterable {
        case microsoft = 1, acronis = 2
        var code: String { self == .microsoft ? "MS" : "ACR" }
        var name: String { self == .microsoft ? "Microsoft" : "Acronis" }
        var label: UInt64 { self == .microsoft ? 0x4D53 : 0x41_4352 }
        var product: String { self == .microsoft ? "Microsoft CSP (NCE)" : "Acronis Cyber Protect Cloud" }
    }

    enum Kind {
        case license(CopacoCatalog.License, baseSeats: Int, discount: String)
        case usage([SandboxMeter])
    }

    typealias Subscription = GeneratedSubscription<Vendor, Kind>

    typealias Customer = GeneratedCustomer<Subscription, SandboxParty>

    /// A line placed in a document: whose it is (customer index), under which subscription.
    struct Item {
        var customer: Int
        var subscription: SandboxSubscription
        var line: SandboxPriceLine
    }

    /// What the customer invoice does with a purchase line.
    enum SalesPlan {
        case mirror
        case drop
        case quantity(Int64)
    }

    let seed: UInt64
    let first: CalendarDate
    let today: CalendarDate
    let customerCount: Int
    let reseller = TwoTCloudCatalog.reseller(accountID: TwoTCloudGenerator.resellerAccountID)
    var customers: [Customer] = []
    var invoices: [SandboxInvoice] = []
    var customerInvoices: [SandboxInvoice] = []
    var consolidated: [SandboxInvoice] = []
    var defects: [TwoTCloudConsolidatedDefect] = []

    init(seed: UInt64, first: CalendarDate, today: CalendarDate, customerCount: Int) {
        self.seed = seed
        self.first = first
        self.today = today
        self.customerCount = customerCount
    }

    func stream(_ labels: UInt64...) -> SplitMix64 {
        var mixer = SplitMix64.derive(seed, TwoTCloudGenerator.domain)
        for label in labels { mixer = SplitMix64.derive(mixer.next(), label) }
        return mixer
    }

    mutating func run() {
        customers = (0..<customerCount).map { makeCustomer($0) }
        for month in CalendarDate.billedMonths(from: first, through: today) { billMonth(month) }
        invoices.sort(by: SandboxInvoice.issueOrder)
        customerInvoices.sort(by: SandboxInvoice.issueOrder)
        consolidated.sort(by: SandboxInvoice.issueOrder)
    }

    // MARK: Customers

    func makeCustomer(_ index: Int) -> Customer {
        var rng = stream(0xC057, UInt64(index))
        let seedData: TwoTCloudCatalog.CustomerSeed
        if index < TwoTCloudCatalog.customers.count {
            seedData = TwoTCloudCatalog.customers[index]
        } else {
            let town = TwoTCloudCatalog.towns[index % TwoTCloudCatalog.towns.count]
            seedData = TwoTCloudCatalog.CustomerSeed(
                name: "Klant \(index) & Partners – \(town)", number: index % 2 == 0 ? "00" + pad(index, 4) : String(40_000 + index),
                street: "Dorpsstraat \(index)", zip: "\(1000 + index % 8000) AB", city: town, email: "klant\(index)@example.nl")
        }
        let accountID = 600_000 + index * 211 + rng.int(0...99)
        let costCenter: String? = rng.chance(400) ? rng.pick(TwoTCloudCatalog.costCenters) : nil
        let markup = Int64(1100 + 5 * rng.int(0...40)) // 10% … 30%
        let discount = rng.chance(250) ? "2.5" : "0"
        let party = SandboxParty(
            accountID: accountID, customerNumber: seedData.number, companyName: seedData.name, address: seedData.street,
            zip: seedData.zip, city: seedData.city, country: "Nederland", countryCode: "NL",
            vatNumber: "NL\(pad(rng.int(100_000_000...999_999_999), 9))B01", email: seedData.email)
        let size = rng.int(3...40)
        var subscriptions: [Subscription] = []
        var subIndex = 0
        func nextID() -> Int {
            defer { subIndex += 1 }
            return 7_000_000 + Int(seed % 89) * 10_000 + index * 16 + subIndex
        }
        let shortName = seedData.name
        for product in rng.licences() {
            let id = nextID()
            let start = rng.startDay(after: first, perMille: 140, spread: 600)
            let seats = max(2, size * rng.int(30...100) / 100)
            let header = SandboxSubscription(
                subscriptionID: id, subscriptionName: "\(product.name) – \(shortName)", startDate: start.iso, planID: product.planID,
                planName: "\(product.name) (NCE, maandelijks)", planCategoryName: "Microsoft NCE", billingModel: 1,
                poNumber: rng.chance(250) ? "PO-\(start.components.year)-\(rng.int(100...999))" : nil, priceLines: [])
            subscriptions.append(Subscription(id: id, vendor: .microsoft, kind: .license(product, baseSeats: seats, discount: discount),
                                              start: start, header: header))
        }
        if index == 1 || index == 4 || rng.chance(450) {
            let id = nextID()
            let start = rng.startDay(after: first, perMille: 140, spread: 600)
            var meters = TwoTCloudCatalog.acronisMeters
            rng.shuffle(&meters)
            let chosen = Array(meters.prefix(rng.int(2...3)))
            let header = SandboxSubscription(
                subscriptionID: id, subscriptionName: "Acronis Cyber Protect Cloud – \(shortName)", startDate: start.iso, planID: 61_000,
                planName: "Acronis Cyber Protect Cloud (per workload, verbruik)", planCategoryName: "Acronis", billingModel: 2,
                poNumber: nil, priceLines: [])
            subscriptions.append(Subscription(id: id, vendor: .acronis, kind: .usage(chosen), start: start, header: header))
        }
        return Customer(index: index, accountID: accountID, number: seedData.number, name: seedData.name, costCenter: costCenter,
                        markupPermille: markup, party: party, subscriptions: subscriptions)
    }

    func seats(_ subscription: Subscription, base: Int, month: Int) -> Int {
        var rng = stream(0x5EA7, UInt64(subscription.id), UInt64(month))
        return max(2, base + rng.int(-2...3))
    }

    // MARK: Lines

    struct LineFactory {
        let base: Int
        var rng: SplitMix64
        var counter = 0

        mutating func line(sku: String, description: String, quantityMicros: Int64, quantityType: String, unitMicros: Int64,
                           discount: String, extended: Int64, start: String, end: String, billingFrequency: String?,
                           chargeType: String?) -> SandboxPriceLine {
            counter += 1
            return SandboxPriceLine(
                lineID: base + counter, uid: rng.guid(), sku: sku, description: description,
                quantity: Money(micros: quantityMicros).formatted(minimumDecimals: 0), quantityType: quantityType,
                unitPriceMicros: unitMicros, discountPercent: discount, extendedPriceMicros: extended,
                vatMicros: TwoTCloudGenerator.vat(extended), taxPercentage: "21", taxZoneID: "NL-21", startDate: start, endDate: end,
                duration: "1", durationType: "Maand", billingFrequency: billingFrequency, chargeType: chargeType, subPONumber: nil,
                purchasePriceMicros: nil, purchaseDiscount: nil, salesPriceMicros: nil, salesDiscount: nil)
        }

        /// The customer-invoice counterpart of a purchase line: same key, selling price (the
        /// purchase amount × markup, rounded to cents; pro-rating and discount carried over).
        mutating func sales(from line: SandboxPriceLine, markup: Int64, quantityMicros: Int64? = nil) -> SandboxPriceLine {
            counter += 1
            var out = line
            out.lineID = base + counter
            out.uid = rng.guid()
            // The reseller passes its discount on: same Discount, unit price × markup.
            out.unitPriceMicros = ExactArithmetic.mulDiv(line.unitPriceMicros, markup, 1000)
            var basis = line.extendedPriceMicros
            if let quantityMicros, line.quantityMicros != 0, quantityMicros != line.quantityMicros {
                basis = ExactArithmetic.mulDiv(basis, quantityMicros, line.quantityMicros)
                out.quantity = Money(micros: quantityMicros).formatted(minimumDecimals: 0)
            }
            out.extendedPriceMicros = ExactArithmetic.roundToCents(ExactArithmetic.mulDiv(basis, markup, 1000))
            out.vatMicros = TwoTCloudGenerator.vat(out.extendedPriceMicros)
            return out
        }
    }

    static func vat(_ extended: Int64) -> Int64 { ExactArithmetic.mulDiv(extended, 21, 1_000_000) * 10_000 }

    /// Line IDs: unique per (usage month, slot); a slot is one kind of document of the month.
    static func lineBase(month: Int, slot: Int) -> Int { 10_000_000 + (month - 2000 * 12) * 10_000 + slot * 1000 }


    static func yearMonth(_ day: CalendarDate) -> String {
        let (y, m, _) = day.components
        return "\(pad(y, 4))\(pad(m, 2))"
    }

    func document(id: String, date: CalendarDate, credit: Bool, description: String, terms: Int, sender: SandboxParty,
                  receiver: SandboxParty, endpoint: TwoTCloudEndpoint, vendor: String, month: Int) -> SandboxInvoice {
        let period = CalendarDate.firstOfMonth(index: month)
        var document = SandboxInvoice(id: id, date: date, credit: credit, description: description, terms: terms, sender: sender,
                                      receiver: receiver, vendor: vendor)
        document.taxZoneID = "NL-21"
        document.taxPercentage = "21"
        document.endpoint = endpoint
        document.period = "\(pad(period.components.year, 4))-\(pad(period.components.month, 2))"
        return document
    }

    /// Customers in index order; under each, subscriptions in order of first appearance.
    func assemble(_ items: [Item]) -> [SandboxCustomer] {
        var byCustomer: [Int: [Item]] = [:]
        for item in items { byCustomer[item.customer, default: []].append(item) }
        var result: [SandboxCustomer] = []
        for index in byCustomer.keys.sorted() {
            var entry = customers[index].entry
            for item in byCustomer[index]! {
                if let position = entry.subscriptions.firstIndex(where: { $0.subscriptionID == item.subscription.subscriptionID }) {
                    entry.subscriptions[position].priceLines.append(item.line)
                } else {
                    var subscription = item.subscription
                    subscription.priceLines = [item.line]
                    entry.subscriptions.append(subscription)
                }
            }
            result.append(entry)
        }
        return result
    }

    // MARK: A usage month

    mutating func billMonth(_ month: Int) {
        let periodStart = CalendarDate.firstOfMonth(index: month)
        let periodEnd = periodStart.lastOfMonth
        let daysInMonth = Int64(periodEnd.components.day)
        let next = CalendarDate.firstOfMonth(index: month + 1)
        var dates = stream(0xDA7E, UInt64(month))
        let purchaseDates: [Vendor: CalendarDate] = [.microsoft: next.adding(days: dates.int(1...4)), .acronis: next.adding(days: dates.int(5...8))]
        let customerDate = next.adding(days: dates.int(9...11))
        let creditDate = next.adding(days: dates.int(13...17))
        guard purchaseDates[.microsoft]! >= first else { return }

        // 1. Purchase lines, vendor by vendor, customer by customer.
        var purchase: [Vendor: [Item]] = [:]
        for vendor in Vendor.allCases {
            var rng = stream(vendor.label, UInt64(month))
            var factory = LineFactory(base: TwoTCloudGenerator.lineBase(month: month, slot: vendor.rawValue), rng: stream(vendor.label, UInt64(month), 0x1D))
            var items: [Item] = []
            for (customerIndex, customer) in customers.enumerated() {
                for subscription in customer.subscriptions where subscription.vendor == vendor && subscription.start <= periodEnd {
                    let startsThisMonth = subscription.start > periodStart
                    let lineStart = startsThisMonth ? subscription.start : periodStart
                    let activeDays = Int64(periodEnd.daysSinceEpoch - lineStart.daysSinceEpoch + 1)
                    switch subscription.kind {
                    case .license(let product, let base, let discount):
                        let count = Int64(seats(subscription, base: base, month: month))
                        var gross = ExactArithmetic.times(count * 1_000_000, product.unitMicros)
                        if startsThisMonth { gross = ExactArithmetic.mulDiv(gross, activeDays, daysInMonth) }
                        items.append(Item(customer: customerIndex, subscription: subscription.header, line: factory.line(
                            sku: product.sku, description: product.name, quantityMicros: count * 1_000_000, quantityType: "Licenties",
                            unitMicros: product.unitMicros, discount: discount, extended: ExactArithmetic.applyDiscount(gross, discount),
                            start: lineStart.iso, end: periodEnd.iso, billingFrequency: "Maandelijks", chargeType: "Cycle Fee")))
                    case .usage(let meters):
                        for meter in meters {
                            var step: Int64 = 1
                            for _ in meter.decimals..<6 { step *= 10 }
                            var quantity = meter.minMicros + Int64(rng.below(UInt64(meter.maxMicros - meter.minMicros + 1)))
                            quantity = max(step, quantity / step * step)
                            if startsThisMonth { quantity = max(step, ExactArithmetic.mulDiv(quantity, activeDays, daysInMonth) / step * step) }
                            items.append(Item(customer: customerIndex, subscription: subscription.header, line: factory.line(
                                sku: meter.sku, description: meter.name, quantityMicros: quantity, quantityType: meter.quantityType,
                                unitMicros: meter.unitMicros, discount: "0", extended: ExactArithmetic.times(quantity, meter.unitMicros),
                                start: lineStart.iso, end: periodEnd.iso, billingFrequency: nil, chargeType: "Usage Fee")))
                        }
                    }
                }
            }
            purchase[vendor] = items
        }

        // 2. The month's reconciliation cases (see the type's comment).
        var plan = stream(0xA70, UInt64(month))
        var salesPlans: [Int: SalesPlan] = [:] // purchase LineId -> plan
        var msItems = purchase[.microsoft] ?? []
        var msFactory = LineFactory(base: TwoTCloudGenerator.lineBase(month: month, slot: Vendor.microsoft.rawValue) + 900,
                                    rng: stream(Vendor.microsoft.label, UInt64(month), 0x5EC))
        // Licence lines not pro-rated, at least 2 seats: targets for the licence cases.
        var licenseTargets = msItems.indices.filter {
            msItems[$0].line.chargeType == "Cycle Fee" && msItems[$0].line.startDate == periodStart.iso && msItems[$0].line.quantityMicros >= 2_000_000
        }
        plan.shuffle(&licenseTargets)
        var used = Set<Int>() // purchase LineIds taken by a case
        var insertions: [(after: Int, item: Item)] = [] // index in msItems

        func addTwin(_ index: Int, quantity: Int64, note: String) -> Item {
            let base = msItems[index]
            let day = 2 * plan.int(4...12) + 1
            let days = Int64(periodEnd.daysSinceEpoch - periodStart.adding(days: day - 1).daysSinceEpoch + 1)
            let proRated = ExactArithmetic.mulDiv(ExactArithmetic.times(quantity, base.line.unitPriceMicros), days, daysInMonth)
            var twin = base
            twin.line = msFactory.line(
                sku: base.line.sku, description: "\(base.line.description), \(note) per \(pad(day, 2))-\(pad(periodStart.components.month, 2))-\(periodStart.components.year)",
                quantityMicros: quantity, quantityType: base.line.quantityType, unitMicros: base.line.unitPriceMicros,
                discount: base.line.discountPercent, extended: ExactArithmetic.applyDiscount(proRated, base.line.discountPercent),
                start: base.line.startDate, end: base.line.endDate, billingFrequency: base.line.billingFrequency, chargeType: "Cycle Fee")
            used.insert(twin.line.lineID)
            return twin
        }
        func takeTarget() -> Int? {
            while let index = licenseTargets.popLast() {
                if !used.contains(msItems[index].line.lineID) { used.insert(msItems[index].line.lineID); return index }
            }
            return nil
        }
        func increase(base: Int64, excluding: Set<Int64>) -> Int64 {
            var candidates = (1...5).map { Int64($0) * 1_000_000 }.filter { $0 != base && !excluding.contains($0) }
            plan.shuffle(&candidates)
            return candidates[0]
        }

        if month % 7 == 2, let index = takeTarget() {
            // Seat increase, billed with the same quantities: pairing by quantity decides.
            let base = msItems[index].line.quantityMicros
            let twin = addTwin(index, quantity: increase(base: base, excluding: []), note: "uitbreiding")
            insertions.append((index, twin))
        }
        if month % 7 == 5, let index = takeTarget() {
            // Seat increase billed as base + (increase + 1): one pair decided, one pair left over.
            let base = msItems[index].line.quantityMicros
            let extra = increase(base: base, excluding: [base - 1_000_000])
            let twin = addTwin(index, quantity: extra, note: "uitbreiding")
            salesPlans[twin.line.lineID] = .quantity(extra + 1_000_000)
            insertions.append((index, twin))
        }
        if month % 8 == 3, let index = takeTarget() {
            let base = msItems[index].line.quantityMicros
            if (month / 8) % 2 == 0 {
                // Two lines of the same quantity, different amounts, billed the same way.
                insertions.append((index, addTwin(index, quantity: base, note: "tweede bestelling")))
            } else {
                // Two lines bought, one line of the summed quantity billed.
                let extra = increase(base: base, excluding: [])
                let twin = addTwin(index, quantity: extra, note: "uitbreiding")
                salesPlans[msItems[index].line.lineID] = .quantity(base + extra)
                salesPlans[twin.line.lineID] = .drop
                insertions.append((index, twin))
            }
        }
        if month % 4 == 2, let index = takeTarget() {
            let base = msItems[index].line.quantityMicros
            salesPlans[msItems[index].line.lineID] = .quantity(base + (plan.chance(500) ? 1_000_000 : -1_000_000))
        }
        for (after, item) in insertions.sorted(by: { $0.after > $1.after }) { msItems.insert(item, at: after + 1) }
        purchase[.microsoft] = msItems
        if month % 4 == 0 {
            let all = Vendor.allCases.flatMap { purchase[$0] ?? [] }.filter { !used.contains($0.line.lineID) && salesPlans[$0.line.lineID] == nil }
            if !all.isEmpty {
                let pick = plan.pick(all)
                used.insert(pick.line.lineID)
                salesPlans[pick.line.lineID] = .drop
            }
        }
        // Unbacked: a licence billed on an existing Microsoft subscription that was never bought.
        var unbacked: Item?
        if month % 6 == 1 {
            let holders = customers.indices.filter { index in
                customers[index].subscriptions.contains { $0.vendor == .microsoft && $0.start <= periodStart }
            }
            if !holders.isEmpty {
                let index = plan.pick(holders)
                let customer = customers[index]
                let held = Set(customer.subscriptions.compactMap { subscription -> String? in
                    if case .license(let product, _, _) = subscription.kind { return product.sku }
                    return nil
                })
                let host = customer.subscriptions.first { $0.vendor == .microsoft && $0.start <= periodStart }!
                if let product = CopacoCatalog.licenses.first(where: { !held.contains($0.sku) }) {
                    let quantity = Int64(plan.int(1...5)) * 1_000_000
                    let line = msFactory.line(
                        sku: product.sku, description: product.name, quantityMicros: quantity, quantityType: "Licenties",
                        unitMicros: product.unitMicros, discount: "0", extended: ExactArithmetic.times(quantity, product.unitMicros),
                        start: periodStart.iso, end: periodEnd.iso, billingFrequency: "Maandelijks", chargeType: "Cycle Fee")
                    unbacked = Item(customer: index, subscription: host.header, line: line)
                }
            }
        }

        // 3. Customer invoices: one per customer, both vendors, selling prices.
        var salesFactory = LineFactory(base: TwoTCloudGenerator.lineBase(month: month, slot: 5), rng: stream(0x5A1E, UInt64(month)))
        var salesByCustomer: [Int: [Item]] = [:]
        var pairs: [Int: SandboxPriceLine] = [:] // purchase LineId -> its customer line
        for vendor in Vendor.allCases {
            for item in purchase[vendor] ?? [] {
                let markup = customers[item.customer].markupPermille
                let sales: SandboxPriceLine
                switch salesPlans[item.line.lineID] ?? .mirror {
                case .drop: continue
                case .mirror: sales = salesFactory.sales(from: item.line, markup: markup)
                case .quantity(let quantity): sales = salesFactory.sales(from: item.line, markup: markup, quantityMicros: quantity)
                }
                pairs[item.line.lineID] = sales
                salesByCustomer[item.customer, default: []].append(Item(customer: item.customer, subscription: item.subscription, line: sales))
            }
        }
        if let unbacked {
            let markup = customers[unbacked.customer].markupPermille
            var billed = unbacked
            billed.line = salesFactory.sales(from: unbacked.line, markup: markup)
            salesByCustomer[unbacked.customer, default: []].append(billed)
        }

        // 4. Documents dated up to today.
        for vendor in Vendor.allCases {
            let date = purchaseDates[vendor]!
            guard date <= today, let items = purchase[vendor], !items.isEmpty else { continue }
            issuePurchase(id: "INV-\(TwoTCloudGenerator.yearMonth(date))-\(vendor.code)", date: date, credit: false,
                          description: "\(vendor.product) – facturatie \(CalendarDate.dutchName(ofMonth: month))",
                          items: items, pairs: pairs, vendor: vendor, month: month)
        }
        if customerDate <= today {
            for index in salesByCustomer.keys.sorted() {
                let items = salesByCustomer[index]!
                let customer = customers[index]
                let vendors = Set(items.map { $0.subscription.planCategoryName == "Acronis" ? "Acronis" : "Microsoft" })
                var invoice = document(id: "SI-\(TwoTCloudGenerator.yearMonth(customerDate))-\(customer.number)", date: customerDate, credit: false,
                                       description: "Cloud diensten \(CalendarDate.dutchName(ofMonth: month)) – \(customer.name)", terms: 14,
                                       sender: reseller, receiver: customer.party, endpoint: .customerInvoices,
                                       vendor: vendors.count > 1 ? "Mixed" : vendors.first!, month: month)
                invoice.customers = assemble(items)
                customerInvoices.append(invoice)
            }
        }

        // 5. Credit notes now and then, with their customer credit notes.
        guard creditDate <= today else { return }
        var customerCredits: [Int: [Item]] = [:]
        var creditFactory = LineFactory(base: TwoTCloudGenerator.lineBase(month: month, slot: 6), rng: stream(0xCC, UInt64(month)))
        for vendor in Vendor.allCases {
            var rng = stream(vendor.label, UInt64(month), 0xC4)
            guard rng.chance(vendor == .microsoft ? 350 : 200) else { continue }
            var eligible: [(Int, Subscription)] = []
            for (index, customer) in customers.enumerated() {
                for subscription in customer.subscriptions where subscription.vendor == vendor && subscription.start <= periodStart {
                    eligible.append((index, subscription))
                }
            }
            guard !eligible.isEmpty else { continue }
            rng.shuffle(&eligible)
            var picked = Array(eligible.prefix(rng.int(1...2)))
            picked.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.id < $1.1.id }
            var factory = LineFactory(base: TwoTCloudGenerator.lineBase(month: month, slot: vendor.rawValue + 2), rng: stream(vendor.label, UInt64(month), 0xC5))
            var items: [Item] = []
            var creditPairs: [Int: SandboxPriceLine] = [:]
            for (index, subscription) in picked {
                // Corrections start on an even day: never the key of a monthly line.
                let day = 2 * rng.int(1...14)
                let from = periodStart.adding(days: day - 1)
                let days = Int64(periodEnd.daysSinceEpoch - from.daysSinceEpoch + 1)
                let stamp = "\(pad(day, 2))-\(pad(periodStart.components.month, 2))-\(periodStart.components.year)"
                let line: SandboxPriceLine
                switch subscription.kind {
                case .license(let product, let base, let discount):
                    let count = Int64(min(3, rng.int(1...seats(subscription, base: base, month: month))))
                    let amount = ExactArithmetic.mulDiv(ExactArithmetic.times(count * 1_000_000, product.unitMicros), days, daysInMonth)
                    line = factory.line(
                        sku: product.sku, description: "Correctie: \(product.name), \(count) licentie(s) opgezegd per \(stamp)",
                        quantityMicros: -count * 1_000_000, quantityType: "Licenties", unitMicros: product.unitMicros, discount: discount,
                        extended: -ExactArithmetic.applyDiscount(amount, discount), start: from.iso, end: periodEnd.iso,
                        billingFrequency: "Maandelijks", chargeType: "Correction")
                case .usage(let meters):
                    let meter = meters[0]
                    let quantity = meter.decimals == 0 ? Int64(rng.int(1...3)) * 1_000_000 : Int64(rng.int(4...64)) * 125_000
                    line = factory.line(
                        sku: meter.sku, description: "Correctie: dubbel gemeten & teruggeboekt, \(meter.name)", quantityMicros: -quantity,
                        quantityType: meter.quantityType, unitMicros: meter.unitMicros, discount: "0",
                        extended: -ExactArithmetic.times(quantity, meter.unitMicros), start: from.iso, end: periodEnd.iso,
                        billingFrequency: nil, chargeType: "Correction")
                }
                let item = Item(customer: index, subscription: subscription.header, line: line)
                items.append(item)
                var billed = item
                billed.line = creditFactory.sales(from: line, markup: customers[index].markupPermille)
                creditPairs[line.lineID] = billed.line
                customerCredits[index, default: []].append(billed)
            }
            issuePurchase(id: "CRN-\(TwoTCloudGenerator.yearMonth(creditDate))-\(vendor.code)", date: creditDate, credit: true,
                          description: "Creditnota \(vendor.product) – \(CalendarDate.dutchName(ofMonth: month))",
                          items: items, pairs: creditPairs, vendor: vendor, month: month)
        }
        for index in customerCredits.keys.sorted() {
            let customer = customers[index]
            let vendors = Set(customerCredits[index]!.map { $0.subscription.planCategoryName == "Acronis" ? "Acronis" : "Microsoft" })
            var credit = document(id: "SC-\(TwoTCloudGenerator.yearMonth(creditDate))-\(customer.number)", date: creditDate, credit: true,
                                  description: "Creditnota cloud diensten \(CalendarDate.dutchName(ofMonth: month)) – \(customer.name)", terms: 14,
                                  sender: reseller, receiver: customer.party, endpoint: .customerInvoices,
                                  vendor: vendors.count > 1 ? "Mixed" : vendors.first!, month: month)
            credit.customers = assemble(customerCredits[index]!)
            customerInvoices.append(credit)
        }
    }

    // MARK: Consolidated invoices

    /// A vendor's purchase document (invoice or credit note) to the reseller, and its consolidated twin.
    mutating func issuePurchase(id: String, date: CalendarDate, credit: Bool, description: String, items: [Item],
                                pairs: [Int: SandboxPriceLine], vendor: Vendor, month: Int) {
        var invoice = document(id: id, date: date, credit: credit, description: description, terms: 30, sender: TwoTCloudCatalog.twotcloud,
                               receiver: reseller, endpoint: .invoices, vendor: vendor.name, month: month)
        invoice.customers = assemble(items)
        invoices.append(invoice)
        consolidate(invoice: invoice, items: items, pairs: pairs, vendor: vendor, month: month)
    }

    /// The consolidated document of a purchase document: every purchase line with its customer
    /// line's price, then the built-in defects.
    mutating func consolidate(invoice: SandboxInvoice, items: [Item], pairs: [Int: SandboxPriceLine], vendor: Vendor, month: Int) {
        var merged: [Item] = items.map { item in
            var out = item
            let sales = pairs[item.line.lineID]
            out.line.purchasePriceMicros = item.line.extendedPriceMicros
            out.line.purchaseDiscount = item.line.discountPercent
            out.line.salesPriceMicros = sales?.extendedPriceMicros ?? 0
            out.line.salesDiscount = sales?.discountPercent ?? "0"
            return out
        }
        let id = "CON-\(invoice.invoiceID)"
        var consolidated = invoice
        consolidated.invoiceID = id
        consolidated.endpoint = .consolidatedInvoices
        consolidated.description = "Geconsolideerd overzicht (inkoop + verkoop) bij \(invoice.invoiceID)"
        if !invoice.isCredit && merged.count >= 4 {
            var rng = stream(0xC0DE, UInt64(month), vendor.label)
            var positions = Array(merged.indices)
            rng.shuffle(&positions)
            let wantDrop = vendor == .microsoft ? month % 2 == 0 : month % 5 == 0
            let wantDuplicate = vendor == .microsoft && month % 3 == 1
            let wantMisassign = vendor == .microsoft && month % 4 == 1 && Set(merged.map(\.customer)).count >= 2
            var dropAt: Int?
            if wantDrop { dropAt = positions.removeLast() }
            if wantDuplicate {
                let at = positions.removeLast()
                defects.append(TwoTCloudConsolidatedDefect(kind: .duplicated, consolidatedInvoiceID: id, invoiceID: invoice.invoiceID,
                                                           lineID: merged[at].line.lineID, accountID: customers[merged[at].customer].accountID,
                                                           servedUnderAccountID: nil))
                merged.insert(merged[at], at: at + 1)
                positions = positions.map { $0 > at ? $0 + 1 : $0 }
                if let drop = dropAt, drop > at { dropAt = drop + 1 }
            }
            if wantMisassign {
                let at = positions.removeLast()
                let owner = merged[at].customer
                let others = Set(merged.map(\.customer)).subtracting([owner]).sorted()
                let wrong = others.first(where: { $0 > owner }) ?? others[0]
                defects.append(TwoTCloudConsolidatedDefect(kind: .misassigned, consolidatedInvoiceID: id, invoiceID: invoice.invoiceID,
                                                           lineID: merged[at].line.lineID, accountID: customers[owner].accountID,
                                                           servedUnderAccountID: customers[wrong].accountID))
                merged[at].customer = wrong
            }
            if let drop = dropAt {
                defects.append(TwoTCloudConsolidatedDefect(kind: .dropped, consolidatedInvoiceID: id, invoiceID: invoice.invoiceID,
                                                           lineID: merged[drop].line.lineID, accountID: customers[merged[drop].customer].accountID,
                                                           servedUnderAccountID: nil))
                merged.remove(at: drop)
            }
        }
        // (The renderer names the cost centre CustomerCostCenter on this endpoint.)
        consolidated.customers = assemble(merged)
        self.consolidated.append(consolidated)
    }
}
