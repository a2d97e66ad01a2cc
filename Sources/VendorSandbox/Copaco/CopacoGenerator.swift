import Warehouse

/// Builds the Copaco sandbox documents.
///
/// Billing calendar (a choice, documented here because the vendor does not publish one):
/// - usage/licences of month M are invoiced in month M+1: the Microsoft invoice on day 21–25,
///   the VMware invoice on day 4–8 (separate `InvoiceID`s, as Copaco's contract requires). With two
///   runs per month the gap between consecutive invoice dates is at most ~24 days, so the
///   nightly window `[today-31d, today]` always holds at least one invoice, for any `today`
///   after the first month of data;
/// - a credit note now and then, 3–9 days after the invoice it corrects;
/// - a customer specification for every invoice and credit note, the same day or the next.
///
/// Built-in reconciliation exceptions (see `CopacoSandboxData.anomalies` for the exact list):
/// every Microsoft invoice has one line missing from its specification (unbilled) and one
/// licence line billed with another quantity (quantity mismatch); every second month's
/// Microsoft specification bills one licence that was not bought (unbacked); about a third
/// of the VMware invoices have an unbilled line; and Microsoft invoices dated before
/// 2024-03-07 (no `InvoiceRowHash`) for usage months divisible by three carry two lines with
/// the same customer + subscription + SKU + period (ambiguous by key).
struct CopacoGenerator {
    enum Vendor: Int, CaseIterable {
        case microsoft = 1, vmware = 2
        var code: String { self == .microsoft ? "MS" : "VMW" }
        var name: String { self == .microsoft ? "Microsoft" : "VMware" }
        var label: UInt64 { self == .microsoft ? 0x4D53 : 0x564D57 }
    }

    enum Kind {
        case license(CopacoCatalog.License, baseSeats: Int, discount: String)
        case azure([SandboxMeter])
        case vmware([SandboxMeter])
    }

    typealias Subscription = GeneratedSubscription<Vendor, Kind>

    typealias Customer = GeneratedCustomer<Subscription, Void>

    let seed: UInt64
    let first: CalendarDate
    let today: CalendarDate
    let customerCount: Int
    let scale: Int
    let hashStart = CalendarDate(iso: CopacoSandboxData.invoiceRowHashStartDate)!
    var customers: [Customer] = []
    var invoices: [SandboxInvoice] = []
    var specifications: [SandboxInvoice] = []
    var examples: [SandboxInvoice] = []

    init(seed: UInt64, first: CalendarDate, today: CalendarDate, customerCount: Int, scale: Int) {
        self.seed = seed
        self.first = first
        self.today = today
        self.customerCount = customerCount
        self.scale = scale
    }

    mutating func run() {
        customers = (0..<customerCount).map { makeCustomer($0) }
        for month in CalendarDate.billedMonths(from: first, through: today) {
            for vendor in Vendor.allCases { billingRun(vendor: vendor, month: month) }
        }
        invoices.sort(by: SandboxInvoice.issueOrder)
        specifications.sort(by: SandboxInvoice.issueOrder)
        examples = makeExamples()
    }

    // MARK: Customers and subscriptions

    func makeCustomer(_ index: Int) -> Customer {
        var rng = SplitMix64.derive(seed, 0xC057, UInt64(index))
        let name: String
        let number: String
        let slug: String
        if index < CopacoCatalog.customerNames.count {
            (name, number, slug) = CopacoCatalog.customerNames[index]
        } else {
            let town = CopacoCatalog.towns[index % CopacoCatalog.towns.count]
            name = "Klant \(index) – \(town) B.V."
            number = index % 2 == 0 ? "01" + pad(index, 4) : String(30_000 + index)
            slug = "klant\(index)"
        }
        let accountID = 200_000 + index * 131 + rng.int(0...99)
        let costCenter: String? = rng.chance(400) ? rng.pick(["KP-100", "Afdeling Zorg", "ICT, algemeen", "4100"]) : nil
        let markup = Int64(1080 + 5 * rng.int(0...54)) // 8% … 35%
        let discount = rng.chance(250) ? "2.5" : "0"
        let tenant = rng.guid()
        let msDetails = [
            SandboxSubscriptionDetail(attribute: "TenantId", value: tenant, description: "Microsoft tenant", noshow: false),
            SandboxSubscriptionDetail(attribute: "Domain", value: "\(slug).onmicrosoft.com", description: "Primair domein", noshow: false),
            SandboxSubscriptionDetail(attribute: "AutoRenew", value: "true", description: "Automatisch verlengen", noshow: true),
        ]
        let size = rng.int(2...60)
        var subscriptions: [Subscription] = []
        var subIndex = 0
        func nextID() -> Int {
            defer { subIndex += 1 }
            return 3_000_000 + Int(seed % 997) * 100_000 % 900_000 + index * 16 + subIndex
        }
        for product in rng.licences() {
            let id = nextID()
            let start = rng.startDay(after: first, perMille: 200, spread: 900)
            let seats = max(1, size * rng.int(30...100) / 100)
            let header = SandboxSubscription(
                subscriptionID: id, subscriptionName: "\(product.name) – \(name.split(separator: "\n").first.map(String.init) ?? name)",
                startDate: start.iso, planID: product.planID, planName: "\(product.name) (NCE, maandelijks)",
                planCategoryName: "Microsoft NCE", billingModel: 1,
                poNumber: rng.chance(300) ? "PO-\(start.components.year)-\(rng.int(100...999))" : nil,
                details: msDetails, priceLines: [])
            let skuParts = product.sku.split(separator: ":")
            let vendorDetails = [
                SandboxAttribute(name: "Vendor", value: "Microsoft"),
                SandboxAttribute(name: "ProductId", value: String(skuParts[0])),
                SandboxAttribute(name: "SkuId", value: String(skuParts.count > 1 ? skuParts[1] : "")),
                SandboxAttribute(name: "MpnId", value: "6123487"),
            ]
            subscriptions.append(Subscription(id: id, vendor: .microsoft, kind: .license(product, baseSeats: seats, discount: discount),
                                              start: start, header: header, vendorDetails: [vendorDetails]))
        }
        // Azure plan: about 40% of the customers.
        if rng.chance(400) {
            let id = nextID()
            let start = rng.startDay(after: first, perMille: 200, spread: 900)
            let meters = makeMeters(CopacoCatalog.azureMeters, count: rng.int(2...4) * scale, rng: &rng)
            let header = SandboxSubscription(
                subscriptionID: id, subscriptionName: "Azure plan", startDate: start.iso, planID: 40_200,
                planName: "Azure plan (verbruik)", planCategoryName: "Microsoft Azure", billingModel: 2, poNumber: nil,
                details: [msDetails[0]], priceLines: [])
            let details = meters.map { _ in
                [SandboxAttribute(name: "Vendor", value: "Microsoft"), SandboxAttribute(name: "MeterId", value: rng.guid()),
                 SandboxAttribute(name: "ResourceGroup", value: rng.pick(["rg-prod-weu", "rg-test", "rg-backup-neu"]))]
            }
            subscriptions.append(Subscription(id: id, vendor: .microsoft, kind: .azure(meters), start: start, header: header, vendorDetails: details))
        }
        // VMware by Broadcom: customers 2 and 5 always (so every data set has VMware), others 30%.
        if index == 2 || index == 5 || rng.chance(300) {
            let id = nextID()
            let start = rng.startDay(after: first, perMille: 200, spread: 900)
            let meters = makeMeters(CopacoCatalog.vmwareMeters, count: rng.int(2...3) * scale, rng: &rng)
            let site = "VCD-AMS-0\(rng.int(1...4))"
            let header = SandboxSubscription(
                subscriptionID: id, subscriptionName: "VMware Cloud Foundation (VCSP), \(site)", startDate: start.iso,
                planID: 50_100, planName: "VCF per core, verbruik", planCategoryName: "VMware by Broadcom", billingModel: 2,
                poNumber: nil, details: rng.chance(500) ? [SandboxSubscriptionDetail(attribute: "SiteId", value: site, description: "Cloud Director site", noshow: false)] : [],
                priceLines: [])
            let details = meters.map { _ in
                [SandboxAttribute(name: "Vendor", value: "VMware by Broadcom"), SandboxAttribute(name: "SiteId", value: site),
                 SandboxAttribute(name: "Contract", value: "VCSP")]
            }
            subscriptions.append(Subscription(id: id, vendor: .vmware, kind: .vmware(meters), start: start, header: header, vendorDetails: details))
        }
        return Customer(index: index, accountID: accountID, number: number, name: name, costCenter: costCenter,
                        markupPermille: markup, party: (), subscriptions: subscriptions)
    }

    /// `count` meters: the catalogue's first, then numbered variants (for the scale knob),
    /// each with its own SKU so that customer + subscription + SKU + period stays a unique key.
    func makeMeters(_ catalog: [SandboxMeter], count: Int, rng: inout SplitMix64) -> [SandboxMeter] {
        var base = catalog
        rng.shuffle(&base)
        return (0..<count).map { index in
            let meter = base[index % base.count]
            if index < base.count { return meter }
            let variant = index / base.count
            let hexDigits = Array("0123456789ABCDEF")
            var suffix = ""
            var rest = variant
            for _ in 0..<4 { suffix = String(hexDigits[rest % 16]) + suffix; rest /= 16 }
            return SandboxMeter(sku: "\(meter.sku)-\(suffix)", name: "\(meter.name) #\(variant + 1)", unitMicros: meter.unitMicros,
                                       quantityType: meter.quantityType, minMicros: meter.minMicros, maxMicros: meter.maxMicros, decimals: meter.decimals)
        }
    }

    func seats(_ subscription: Subscription, base: Int, month: Int) -> Int {
        var rng = SplitMix64.derive(seed, 0x5EA7, UInt64(subscription.id), UInt64(month))
        return max(1, base + rng.int(-2...3))
    }

    // MARK: Documents

    /// Builds the lines of one document.
    struct LineFactory {
        let documentSequence: Int
        let withHash: Bool
        var rng: SplitMix64
        var counter = 0

        mutating func line(sku: String, description: String, quantityMicros: Int64, quantityType: String, unitMicros: Int64,
                           discount: String, extended: Int64, vatPercent: Int64, start: String, end: String,
                           duration: String, durationType: String, billingFrequency: String?, ratePeriodID: Int?,
                           chargeType: String?, consumer: (String, String)?, vendorDetails: [SandboxAttribute]) -> SandboxPriceLine {
            counter += 1
            let uid = rng.guid()
            let hash = withHash ? rng.hex(40) : nil
            return SandboxPriceLine(
                lineID: documentSequence * 10_000_000 + counter, uid: uid, invoiceRowHash: hash, sku: sku, description: description,
                quantity: Money(micros: quantityMicros).formatted(minimumDecimals: 0), quantityType: quantityType,
                unitPriceMicros: unitMicros, discountPercent: discount, extendedPriceMicros: extended,
                vatMicros: ExactArithmetic.mulDiv(extended, vatPercent, 1_000_000) * 10_000,
                taxPercentage: String(vatPercent), taxZoneID: vatPercent == 0 ? "NL-0" : "NL-21", startDate: start, endDate: end,
                duration: duration, durationType: durationType, billingFrequency: billingFrequency, ratePeriodID: ratePeriodID,
                chargeType: chargeType, consumerCompanyName: consumer?.0, consumerCompanyNumber: consumer?.1,
                subPONumber: nil, vendorDetails: vendorDetails)
        }
    }

    func sequence(month: Int, slot: Int) -> Int { 100_000 + (month - 2000 * 12) * 10 + slot }

    func documentID(prefix: String, date: CalendarDate, vendor: Vendor, sequence: Int) -> String {
        let (y, m, _) = date.components
        return "\(prefix)-\(y)-\(pad(m, 2))-\(vendor.code)-\(pad(sequence, 6))"
    }

    func header(id: String, date: CalendarDate, credit: Bool, description: String, terms: Int, vendor: Vendor) -> SandboxInvoice {
        SandboxInvoice(id: id, date: date, credit: credit, description: description, terms: terms,
                       sender: CopacoCatalog.copaco, receiver: CopacoCatalog.reseller, vendor: vendor.name)
    }

    mutating func billingRun(vendor: Vendor, month: Int) {
        var dateRng = SplitMix64.derive(seed, vendor.label, UInt64(month), 0xDA7E)
        let runMonth = CalendarDate.firstOfMonth(index: month + 1)
        let date = runMonth.adding(days: vendor == .microsoft ? dateRng.int(20...24) : dateRng.int(3...7))
        guard date >= first, date <= today else { return }
        let withHash = date >= hashStart
        let periodStart = CalendarDate.firstOfMonth(index: month)
        let periodEnd = periodStart.lastOfMonth
        let daysInMonth = Int64(periodEnd.components.day)
        let seq = sequence(month: month, slot: vendor.rawValue)
        var rng = SplitMix64.derive(seed, vendor.label, UInt64(month))
        var factory = LineFactory(documentSequence: seq, withHash: withHash, rng: SplitMix64.derive(seed, vendor.label, UInt64(month), 0x1D))
        var document = header(id: documentID(prefix: "CI", date: date, vendor: vendor, sequence: seq), date: date, credit: false,
                              description: "\(vendor == .microsoft ? "Microsoft CSP" : "VMware by Broadcom (VCSP)") facturatie \(CalendarDate.dutchName(ofMonth: month))",
                              terms: 30, vendor: vendor)
        // Pre-2024-03-07 Microsoft invoices of every third month: one key shared by two lines.
        var wantAmbiguous = vendor == .microsoft && !withHash && month % 3 == 0
        var protectedLines = Set<Int>()

        for customer in customers {
            var docCustomer = customer.entry
            for subscription in customer.subscriptions where subscription.vendor == vendor && subscription.start <= periodEnd {
                var docSubscription = subscription.header
                let startsThisMonth = subscription.start > periodStart
                let lineStart = startsThisMonth ? subscription.start : periodStart
                let activeDays = Int64(periodEnd.daysSinceEpoch - lineStart.daysSinceEpoch + 1)
                let consumer = (customer.name, customer.number)
                switch subscription.kind {
                case .license(let product, let base, let discount):
                    let count = seats(subscription, base: base, month: month)
                    var gross = ExactArithmetic.times(Int64(count) * 1_000_000, product.unitMicros)
                    if startsThisMonth { gross = ExactArithmetic.mulDiv(gross, activeDays, daysInMonth) }
                    let main = factory.line(
                        sku: product.sku, description: product.name, quantityMicros: Int64(count) * 1_000_000, quantityType: "Licenties",
                        unitMicros: product.unitMicros, discount: discount, extended: ExactArithmetic.applyDiscount(gross, discount),
                        vatPercent: 21, start: lineStart.iso, end: periodEnd.iso, duration: "1", durationType: "Maand",
                        billingFrequency: "Maandelijks", ratePeriodID: 1, chargeType: "Cycle Fee", consumer: consumer,
                        vendorDetails: subscription.vendorDetails[0])
                    docSubscription.priceLines.append(main)
                    if wantAmbiguous && !startsThisMonth {
                        // A second batch of the same licence for the same period: same key.
                        wantAmbiguous = false
                        let extra = Int64(rng.int(1...4))
                        let extraGross = ExactArithmetic.times(extra * 1_000_000, product.unitMicros)
                        let twin = factory.line(
                            sku: product.sku, description: product.name, quantityMicros: extra * 1_000_000, quantityType: "Licenties",
                            unitMicros: product.unitMicros, discount: discount, extended: ExactArithmetic.applyDiscount(extraGross, discount),
                            vatPercent: 21, start: lineStart.iso, end: periodEnd.iso, duration: "1", durationType: "Maand",
                            billingFrequency: "Maandelijks", ratePeriodID: 1, chargeType: "Cycle Fee", consumer: consumer,
                            vendorDetails: subscription.vendorDetails[0])
                        docSubscription.priceLines.append(twin)
                        protectedLines.insert(main.lineID)
                        protectedLines.insert(twin.lineID)
                    }
                    // Mid-month seat increase, pro-rated, on an odd day (credits use even days).
                    if !startsThisMonth && rng.chance(110) {
                        let day = 2 * rng.int(1...13) + 1
                        let from = periodStart.adding(days: day - 1)
                        let added = Int64(rng.int(1...5))
                        let days = Int64(periodEnd.daysSinceEpoch - from.daysSinceEpoch + 1)
                        let proRated = ExactArithmetic.mulDiv(ExactArithmetic.times(added * 1_000_000, product.unitMicros), days, daysInMonth)
                        docSubscription.priceLines.append(factory.line(
                            sku: product.sku, description: "\(product.name), uitbreiding per \(pad(day, 2))-\(pad(periodStart.components.month, 2))-\(periodStart.components.year)",
                            quantityMicros: added * 1_000_000, quantityType: "Licenties", unitMicros: product.unitMicros, discount: discount,
                            extended: ExactArithmetic.applyDiscount(proRated, discount), vatPercent: 21, start: from.iso, end: periodEnd.iso,
                            duration: "1", durationType: "Maand", billingFrequency: "Maandelijks", ratePeriodID: 1,
                            chargeType: "Purchase Fee", consumer: consumer, vendorDetails: subscription.vendorDetails[0]))
                    }
                    // Now and then a one-time purchase of perpetual software.
                    if rng.chance(35) {
                        let day = periodStart.adding(days: 2 * rng.int(0...13))
                        let quantity = Int64(rng.int(1...3))
                        let product = CopacoCatalog.oneTime
                        docSubscription.priceLines.append(factory.line(
                            sku: product.sku, description: product.name, quantityMicros: quantity * 1_000_000, quantityType: "Stuk",
                            unitMicros: product.unitMicros, discount: "0", extended: ExactArithmetic.times(quantity * 1_000_000, product.unitMicros),
                            vatPercent: 21, start: day.iso, end: day.iso, duration: "0", durationType: "Eenmalig", billingFrequency: nil,
                            ratePeriodID: nil, chargeType: "One Time Fee", consumer: consumer, vendorDetails: []))
                    }
                case .azure(let meters), .vmware(let meters):
                    let isVMware = vendor == .vmware
                    for (index, meter) in meters.enumerated() {
                        var quantity = meter.minMicros + Int64(rng.below(UInt64(meter.maxMicros - meter.minMicros + 1)))
                        var step: Int64 = 1
                        for _ in meter.decimals..<6 { step *= 10 }
                        quantity = max(step, quantity / step * step)
                        if startsThisMonth { quantity = max(step, ExactArithmetic.mulDiv(quantity, activeDays, daysInMonth) / step * step) }
                        // Some VMware lines come without a ChargeType.
                        let chargeType: String? = isVMware && rng.chance(300) ? nil : "Usage Fee"
                        docSubscription.priceLines.append(factory.line(
                            sku: meter.sku, description: meter.name, quantityMicros: quantity, quantityType: meter.quantityType,
                            unitMicros: meter.unitMicros, discount: "0", extended: ExactArithmetic.times(quantity, meter.unitMicros),
                            vatPercent: 21, start: lineStart.iso, end: periodEnd.iso, duration: isVMware ? "1 maand" : "1",
                            durationType: "Maand", billingFrequency: nil, ratePeriodID: nil, chargeType: chargeType, consumer: nil,
                            vendorDetails: subscription.vendorDetails[index]))
                    }
                    if isVMware && startsThisMonth {
                        let meter = CopacoCatalog.vmwareOnboarding
                        docSubscription.priceLines.append(factory.line(
                            sku: meter.sku, description: meter.name, quantityMicros: 1_000_000, quantityType: meter.quantityType,
                            unitMicros: meter.unitMicros, discount: "0", extended: meter.unitMicros, vatPercent: 21,
                            start: lineStart.iso, end: lineStart.iso, duration: "0", durationType: "Eenmalig", billingFrequency: nil,
                            ratePeriodID: nil, chargeType: "One Time Fee", consumer: nil, vendorDetails: []))
                    }
                }
                if !docSubscription.priceLines.isEmpty { docCustomer.subscriptions.append(docSubscription) }
            }
            if !docCustomer.subscriptions.isEmpty { document.customers.append(docCustomer) }
        }
        guard !document.customers.isEmpty else { return }

        // Exceptions for the specification.
        let candidates = document.allPriceLines.filter { !protectedLines.contains($0.lineID) }
        var unbilled = Set<Int>()
        var mismatched: [Int: Int64] = [:]
        if !candidates.isEmpty && (vendor == .microsoft || rng.chance(350)) {
            unbilled.insert(rng.pick(candidates).lineID)
        }
        if vendor == .microsoft {
            let seatLines = candidates.filter { $0.chargeType == "Cycle Fee" && $0.quantityMicros >= 2_000_000 && !unbilled.contains($0.lineID) }
            if !seatLines.isEmpty {
                let line = rng.pick(seatLines)
                mismatched[line.lineID] = line.quantityMicros + (rng.chance(500) ? 1_000_000 : -1_000_000)
            }
        }
        let unbacked = vendor == .microsoft && month % 2 == 0
        invoices.append(document)
        let specDate = min(today, date.adding(days: rng.int(0...1)))
        specifications.append(makeSpecification(for: document, date: specDate, slot: vendor.rawValue + 4, month: month,
                                                unbilled: unbilled, mismatched: mismatched, addUnbacked: unbacked,
                                                periodStart: periodStart, periodEnd: periodEnd))

        // A credit note now and then.
        if rng.chance(vendor == .microsoft ? 350 : 150) {
            creditRun(vendor: vendor, month: month, invoiceDate: date, rng: &rng)
        }
    }

    mutating func creditRun(vendor: Vendor, month: Int, invoiceDate: CalendarDate, rng: inout SplitMix64) {
        let date = invoiceDate.adding(days: rng.int(3...9))
        guard date <= today else { return }
        let withHash = date >= hashStart
        let periodStart = CalendarDate.firstOfMonth(index: month)
        let periodEnd = periodStart.lastOfMonth
        let daysInMonth = Int64(periodEnd.components.day)
        let seq = sequence(month: month, slot: vendor.rawValue + 2)
        var factory = LineFactory(documentSequence: seq, withHash: withHash, rng: SplitMix64.derive(seed, vendor.label, UInt64(month), 0xC4))
        var document = header(id: documentID(prefix: "CC", date: date, vendor: vendor, sequence: seq), date: date, credit: true,
                              description: "Creditnota \(vendor == .microsoft ? "Microsoft CSP" : "VMware by Broadcom (VCSP)") \(CalendarDate.dutchName(ofMonth: month))",
                              terms: 30, vendor: vendor)
        // Eligible: subscriptions of this vendor running the whole month.
        var eligible: [(Customer, Subscription)] = []
        for customer in customers {
            for subscription in customer.subscriptions where subscription.vendor == vendor && subscription.start <= periodStart {
                if case .azure = subscription.kind { continue }
                eligible.append((customer, subscription))
            }
        }
        guard !eligible.isEmpty else { return }
        rng.shuffle(&eligible)
        var picked = Array(eligible.prefix(rng.int(1...2)))
        picked.sort { $0.0.index != $1.0.index ? $0.0.index < $1.0.index : $0.1.id < $1.1.id }
        for (customer, subscription) in picked {
            // Corrections start on an even day: never the key of a pro-rated purchase line.
            let day = 2 * rng.int(1...14)
            let from = periodStart.adding(days: day - 1)
            let days = Int64(periodEnd.daysSinceEpoch - from.daysSinceEpoch + 1)
            let line: SandboxPriceLine
            switch subscription.kind {
            case .license(let product, let base, let discount):
                let count = Int64(min(3, rng.int(1...max(1, seats(subscription, base: base, month: month)))))
                let amount = ExactArithmetic.mulDiv(ExactArithmetic.times(count * 1_000_000, product.unitMicros), days, daysInMonth)
                line = factory.line(
                    sku: product.sku, description: "Correctie: \(product.name), \(count) licentie(s) opgezegd per \(pad(day, 2))-\(pad(periodStart.components.month, 2))-\(periodStart.components.year)",
                    quantityMicros: -count * 1_000_000, quantityType: "Licenties", unitMicros: product.unitMicros, discount: discount,
                    extended: -ExactArithmetic.applyDiscount(amount, discount), vatPercent: 21, start: from.iso, end: periodEnd.iso,
                    duration: "1", durationType: "Maand", billingFrequency: "Maandelijks", ratePeriodID: 1, chargeType: "Correction",
                    consumer: (customer.name, customer.number), vendorDetails: subscription.vendorDetails[0])
            case .vmware(let meters), .azure(let meters):
                let meter = meters[0]
                let quantity = Int64(rng.int(4...64)) * 125_000 // 0.5 … 8 in steps of 0.125
                line = factory.line(
                    sku: meter.sku, description: "Correctie: dubbel gemeten, \"\(meter.name)\"", quantityMicros: -quantity,
                    quantityType: meter.quantityType, unitMicros: meter.unitMicros, discount: "0",
                    extended: -ExactArithmetic.times(quantity, meter.unitMicros), vatPercent: 21, start: from.iso, end: periodEnd.iso,
                    duration: "1", durationType: "Maand", billingFrequency: nil, ratePeriodID: nil, chargeType: "Correction",
                    consumer: nil, vendorDetails: subscription.vendorDetails[0])
            }
            var docSubscription = subscription.header
            docSubscription.priceLines = [line]
            if let last = document.customers.indices.last, document.customers[last].customerNumber == customer.number {
                document.customers[last].subscriptions.append(docSubscription)
            } else {
                var entry = customer.entry
                entry.subscriptions = [docSubscription]
                document.customers.append(entry)
            }
        }
        invoices.append(document)
        let specDate = min(today, date.adding(days: rng.int(0...1)))
        specifications.append(makeSpecification(for: document, date: specDate, slot: vendor.rawValue + 6, month: month,
                                                unbilled: [], mismatched: [:], addUnbacked: false,
                                                periodStart: periodStart, periodEnd: periodEnd))
    }

    /// The customer specification of a purchase document: the same customers, subscriptions
    /// and lines (same `InvoiceRowHash`), at cost × the customer's markup, VAT 0.
    func makeSpecification(for invoice: SandboxInvoice, date: CalendarDate, slot: Int, month: Int,
                           unbilled: Set<Int>, mismatched: [Int: Int64], addUnbacked: Bool,
                           periodStart: CalendarDate, periodEnd: CalendarDate) -> SandboxInvoice {
        let vendor: Vendor = invoice.vendor == Vendor.vmware.name ? .vmware : .microsoft
        let seq = sequence(month: month, slot: slot)
        var rng = SplitMix64.derive(seed, vendor.label, UInt64(month), UInt64(slot), 0x5BEC)
        var document = header(id: documentID(prefix: "CS", date: date, vendor: vendor, sequence: seq), date: date,
                              credit: invoice.isCredit, description: "Klantspecificatie bij \(invoice.invoiceID): \(invoice.description)",
                              terms: 14, vendor: vendor)
        document.specifiesInvoiceID = invoice.invoiceID
        let markups = Dictionary(uniqueKeysWithValues: customers.map { ($0.number, $0.markupPermille) })
        var counter = 0
        func specLine(from line: SandboxPriceLine, markup: Int64, quantityMicros: Int64? = nil) -> SandboxPriceLine {
            counter += 1
            var out = line
            out.lineID = seq * 10_000_000 + counter
            out.uid = rng.guid()
            out.unitPriceMicros = ExactArithmetic.mulDiv(line.unitPriceMicros, markup, 1000)
            if let quantityMicros {
                out.quantity = Money(micros: quantityMicros).formatted(minimumDecimals: 0)
                out.extendedPriceMicros = ExactArithmetic.roundToCents(ExactArithmetic.applyDiscount(
                    ExactArithmetic.times(quantityMicros, out.unitPriceMicros), line.discountPercent))
            } else {
                out.extendedPriceMicros = ExactArithmetic.roundToCents(ExactArithmetic.mulDiv(line.extendedPriceMicros, markup, 1000))
            }
            out.vatMicros = 0
            out.taxPercentage = "0"
            out.taxZoneID = "NL-0"
            out.vendorDetails = []
            return out
        }
        for customer in invoice.customers {
            let markup = markups[customer.customerNumber] ?? 1150
            var outCustomer = customer
            outCustomer.subscriptions = []
            for subscription in customer.subscriptions {
                var outSubscription = subscription
                outSubscription.priceLines = []
                for line in subscription.priceLines where !unbilled.contains(line.lineID) {
                    outSubscription.priceLines.append(specLine(from: line, markup: markup, quantityMicros: mismatched[line.lineID]))
                }
                if !outSubscription.priceLines.isEmpty { outCustomer.subscriptions.append(outSubscription) }
            }
            if !outCustomer.subscriptions.isEmpty { document.customers.append(outCustomer) }
        }
        if addUnbacked, !document.customers.isEmpty {
            // Bill a licence that was never bought, on an existing subscription.
            let customerIndex = rng.int(0...document.customers.count - 1)
            let customer = document.customers[customerIndex]
            let markup = markups[customer.customerNumber] ?? 1150
            let used = Set(customer.subscriptions[0].priceLines.map(\.sku))
            if let product = CopacoCatalog.licenses.first(where: { !used.contains($0.sku) }) {
                let quantity = Int64(rng.int(1...5)) * 1_000_000
                var template = CopacoGenerator.LineFactory(documentSequence: 0, withHash: false, rng: rng)
                var line = template.line(
                    sku: product.sku, description: product.name, quantityMicros: quantity, quantityType: "Licenties",
                    unitMicros: product.unitMicros, discount: "0", extended: ExactArithmetic.times(quantity, product.unitMicros),
                    vatPercent: 21, start: periodStart.iso, end: periodEnd.iso, duration: "1", durationType: "Maand",
                    billingFrequency: "Maandelijks", ratePeriodID: 1, chargeType: "Cycle Fee",
                    consumer: (customer.companyName, customer.customerNumber), vendorDetails: [])
                if invoice.date >= hashStart.iso { line.invoiceRowHash = rng.hex(40) }
                document.customers[customerIndex].subscriptions[0].priceLines.append(specLine(from: line, markup: markup, quantityMicros: quantity))
            }
        }
        return document
    }

    // MARK: Examples

    func makeExamples() -> [SandboxInvoice] {
        let fictional = SandboxCustomer(accountID: 999_001, customerNumber: "000001", companyName: "Voorbeeldklant \"Demo\" B.V.",
                                              costCenter: nil, subscriptions: [])
        let product = CopacoCatalog.licenses[2]
        var result: [SandboxInvoice] = []
        for (offset, credit) in [(12, false), (5, true)] {
            let date = today.adding(days: -offset)
            let seq = 900_000 + offset
            var factory = LineFactory(documentSequence: seq, withHash: date >= hashStart, rng: SplitMix64.derive(seed, 0xE8A, UInt64(offset)))
            let periodStart = date.firstOfMonth.adding(months: -1)
            let periodEnd = periodStart.lastOfMonth
            let quantity: Int64 = credit ? -2_000_000 : 10_000_000
            let line = factory.line(
                sku: product.sku, description: credit ? "Correctie: \(product.name) (voorbeeld)" : "\(product.name) (voorbeeld)",
                quantityMicros: quantity, quantityType: "Licenties", unitMicros: product.unitMicros, discount: "0",
                extended: ExactArithmetic.times(quantity, product.unitMicros), vatPercent: 21, start: periodStart.iso, end: periodEnd.iso,
                duration: "1", durationType: "Maand", billingFrequency: "Maandelijks", ratePeriodID: 1,
                chargeType: credit ? "Correction" : "Cycle Fee", consumer: (fictional.companyName, fictional.customerNumber), vendorDetails: [])
            var document = header(id: credit ? "EX-CRD-000002" : "EX-INV-000001", date: date, credit: credit,
                                  description: "Voorbeeldfactuur (fictief, niet voor de boekhouding)", terms: 30, vendor: .microsoft)
            var customer = fictional
            customer.subscriptions = [SandboxSubscription(
                subscriptionID: 9_990_001, subscriptionName: "Voorbeeldabonnement", startDate: periodStart.adding(months: -6).iso,
                planID: product.planID, planName: "\(product.name) (NCE, maandelijks)", planCategoryName: "Microsoft NCE",
                billingModel: 1, poNumber: nil, details: [], priceLines: [line])]
            document.customers = [customer]
            result.append(document)
        }
        return result.sorted { $0.date < $1.date }
    }

    // MARK: Re-issue

    static func reissue(_ document: inout SandboxInvoice, seed: UInt64) {
        guard !document.customers.isEmpty, !document.customers[0].subscriptions.isEmpty else { return }
        document.revision += 1
        var rng = SplitMix64.derive(seed, SplitMix64.label(document.invoiceID), UInt64(document.revision), 0x2E15)
        let sign: Int64 = document.isCredit ? -1 : 1
        var subscription = document.customers[0].subscriptions[0]
        let maxLineID = document.allPriceLines.map(\.lineID).max() ?? 0
        if var line = subscription.priceLines.first {
            let quantity = line.quantityMicros + sign * 1_000_000
            let vatPercent = Int64(line.taxPercentage) ?? 0
            line.quantity = Money(micros: quantity).formatted(minimumDecimals: 0)
            line.extendedPriceMicros = ExactArithmetic.applyDiscount(ExactArithmetic.times(quantity, line.unitPriceMicros), line.discountPercent)
            line.vatMicros = ExactArithmetic.mulDiv(line.extendedPriceMicros, vatPercent, 1_000_000) * 10_000
            subscription.priceLines[0] = line
        }
        let template = subscription.priceLines.first
        let addOns = CopacoCatalog.reissueAddOns
        let addOn = addOns[(document.revision - 1) % addOns.count]
        let round = (document.revision - 1) / addOns.count
        let vatPercent = Int64(template?.taxPercentage ?? "21") ?? 21
        let extended = sign * addOn.unitMicros
        let added = SandboxPriceLine(
            lineID: maxLineID + 1, uid: rng.guid(), invoiceRowHash: document.date >= CopacoSandboxData.invoiceRowHashStartDate ? rng.hex(40) : nil,
            sku: round == 0 ? addOn.sku : "\(addOn.sku)-R\(round)", description: "\(addOn.name) (nagekomen)",
            quantity: sign < 0 ? "-1" : "1", quantityType: "Licenties", unitPriceMicros: addOn.unitMicros, discountPercent: "0",
            extendedPriceMicros: extended, vatMicros: ExactArithmetic.mulDiv(extended, vatPercent, 1_000_000) * 10_000,
            taxPercentage: String(vatPercent), taxZoneID: vatPercent == 0 ? "NL-0" : "NL-21",
            startDate: template?.startDate ?? document.date, endDate: template?.endDate ?? document.date,
            duration: "1", durationType: "Maand", billingFrequency: "Maandelijks", ratePeriodID: 1,
            chargeType: sign < 0 ? "Correction" : "Purchase Fee", consumerCompanyName: document.customers[0].companyName,
            consumerCompanyNumber: document.customers[0].customerNumber, subPONumber: nil, vendorDetails: [])
        subscription.priceLines.append(added)
        document.customers[0].subscriptions[0] = subscription
    }
}
