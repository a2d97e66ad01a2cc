import Ingestion
import Warehouse

import Warehouse
/// Renders invoice documents as the distributors' JSON APIs send them (field order of the
/// vendor contracts, dates `YYYY-MM-DDT00:00:00`, amounts as exact JSON numbers), straight
/// into bytes. The two vendors differ only where `Dialect` says; 2tCloud's XML is
/// `TwoTCloudRenderer`'s.
enum InvoiceRenderer {
    enum Dialect {
        case copaco
        case twotcloud

        /// Labels between the seed and a stream's own, keeping 2tCloud's streams apart from Copaco's.
        var domain: [UInt64] {
            switch self {
            case .copaco: []
            case .twotcloud: [TwoTCloudGenerator.domain]
            }
        }
    }

    struct Options {
        var seed: UInt64
        /// Other letter cases (2tCloud: always `…Id` for `…ID`), other member order, extra members.
        var mutateFields = false
        var corrupt: [String: SandboxCorruption] = [:]
        var drift: [SandboxDrift] = []
        /// Bytes per chunk handed to the server (a whole response is never one giant array).
        var chunkSize = 1 << 20
    }

    /// `{"Invoices":[...]}` in chunks of about `chunkSize` bytes.
    static func responseChunks(_ documents: [SandboxInvoice], dialect: Dialect, options: Options) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var writer = JSONWriter(capacity: min(options.chunkSize, 64 + documents.count * 4096))
        var envelopeMutator = FieldMutator(rng: SplitMix64.derive(options.seed, dialect.domain + [0xE57E]))
        writer.beginObject()
        var trailingExtra: (String, JSONValue)?
        if options.mutateFields {
            let extras = FieldMutator.extras
            let before = extras[Int(envelopeMutator.rng.below(UInt64(extras.count)))]
            writer.key(before.0)
            before.1.write(to: &writer)
            let after = extras[Int(envelopeMutator.rng.below(UInt64(extras.count)))]
            if after.0 != before.0 { trailingExtra = after }
        }
        writer.key(options.mutateFields && dialect == .copaco ? envelopeMutator.varyName("Invoices") : "Invoices")
        writer.beginArray()
        for document in documents {
            let corruption = options.corrupt[document.invoiceID]
            if options.mutateFields || !options.drift.isEmpty {
                var single = JSONWriter(capacity: 4096)
                write(document, corruption: corruption, to: &single)
                if var tree = try? JSONParser.parse(single.bytes) {
                    if options.mutateFields {
                        let labels = dialect.domain + [SplitMix64.label(document.invoiceID), UInt64(document.revision), 0x3D7A]
                        var mutator = FieldMutator(rng: SplitMix64.derive(options.seed, labels))
                        tree = mutator.mutate(tree, idsAsId: dialect == .twotcloud)
                    }
                    SandboxDrift.apply(options.drift, to: tree).write(to: &writer)
                } else {
                    writer.rawValue(single.bytes)
                }
            } else {
                write(document, corruption: corruption, to: &writer)
            }
            if writer.bytes.count >= options.chunkSize { chunks.append(writer.takeBytes()) }
        }
        writer.endArray()
        if let trailingExtra {
            writer.key(trailingExtra.0)
            trailingExtra.1.write(to: &writer)
        }
        writer.endObject()
        chunks.append(writer.takeBytes())
        return chunks
    }

    static func write(_ document: SandboxInvoice, corruption: SandboxCorruption?, to w: inout JSONWriter) {
        w.beginObject()
        if corruption != .missingHeader {
            w.key("Header")
            w.beginObject()
            w.key("InvoiceID"); w.string(document.invoiceID)
            w.key("Date"); w.dateTime(document.date)
            w.key("ExpirationDate"); w.dateTime(document.expirationDate)
            w.key("Currency"); w.string(document.currency)
            w.key("Type"); w.string(document.type)
            w.key("TypeIdentifier"); w.int(document.typeIdentifier)
            w.key("Description"); w.string(document.description)
            w.key("Language"); w.string(document.language)
            w.key("LanguageCode"); w.string(document.languageCode)
            w.key("TermsOfPaymentDays"); w.int(document.termsOfPaymentDays)
            w.endObject()
        }
        w.key("Sender"); write(document.sender, to: &w)
        w.key("Receiver"); write(document.receiver, to: &w)
        w.key("Customers")
        w.beginArray()
        var corruptAmountPending = corruption == .badAmount
        for customer in document.customers {
            w.beginObject()
            w.key("AccountID"); w.int(customer.accountID)
            w.key("CustomerNumber"); w.string(customer.customerNumber)
            w.key("CompanyName"); w.string(customer.companyName)
            w.key(document.endpoint == .consolidatedInvoices ? "CustomerCostCenter" : "CostCenter"); w.optionalString(customer.costCenter)
            w.key("Subscriptions")
            w.beginArray()
            for subscription in customer.subscriptions {
                w.beginObject()
                w.key("SubscriptionID"); w.int(subscription.subscriptionID)
                w.key("SubscriptionName"); w.string(subscription.subscriptionName)
                w.key("StartDate"); w.dateTime(subscription.startDate)
                w.key("PlanID"); w.int(subscription.planID)
                w.key("PlanName"); w.string(subscription.planName)
                w.key("PlanCategoryName"); w.string(subscription.planCategoryName)
                w.key("BillingModel"); w.int(subscription.billingModel)
                w.key("SubscriptionPONumber"); w.optionalString(subscription.poNumber)
                if !subscription.details.isEmpty {
                    w.key("SubscriptionDetails")
                    w.beginArray()
                    for detail in subscription.details {
                        w.beginObject()
                        w.key("Attribute"); w.string(detail.attribute)
                        w.key("AttributeValue"); w.string(detail.value)
                        w.key("AttributeDescription"); w.string(detail.description)
                        w.key("noshow"); w.bool(detail.noshow)
                        w.endObject()
                    }
                    w.endArray()
                }
                w.key("PriceLines")
                w.beginArray()
                for line in subscription.priceLines {
                    write(line, corruptAmount: corruptAmountPending, to: &w)
                    corruptAmountPending = false
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        if document.hasTotals {
            let net = document.extendedPriceTotalMicros
            let vat = document.vatTotalMicros
            w.key("Totals")
            w.beginObject()
            w.key("TotalExclVAT"); w.money(net)
            w.key("TotalVAT"); w.money(vat)
            w.key("TotalInclVAT"); w.money(net + vat)
            w.key("LineCount"); w.int(document.lineCount)
            w.endObject()
        }
        w.endObject()
    }

    static func write(_ party: SandboxParty, to w: inout JSONWriter) {
        w.beginObject()
        w.key("AccountID"); if let id = party.accountID { w.int(id) } else { w.null() }
        w.key("CustomerNumber"); w.string(party.customerNumber)
        w.key("CompanyName"); w.string(party.companyName)
        w.key("Address"); w.string(party.address)
        w.key("Zip"); w.string(party.zip)
        w.key("City"); w.string(party.city)
        w.key("Country"); w.string(party.country)
        w.key("CountryCode"); w.string(party.countryCode)
        w.key("VATNumber"); w.string(party.vatNumber)
        w.key("Email"); w.string(party.email)
        w.endObject()
    }

    static func write(_ line: SandboxPriceLine, corruptAmount: Bool, to w: inout JSONWriter) {
        w.beginObject()
        w.key("LineId"); w.int(line.lineID)
        w.key("UID"); w.string(line.uid)
        if let hash = line.invoiceRowHash { w.key("InvoiceRowHash"); w.string(hash) }
        w.key("SKU"); w.string(line.sku)
        w.key("Description"); w.string(line.description)
        w.key("Quantity"); w.numberText(line.quantity)
        w.key("QuantityType"); w.string(line.quantityType)
        w.key("UnitPrice"); w.money(line.unitPriceMicros)
        w.key("Discount"); w.numberText(line.discountPercent)
        w.key("ExtendedPrice")
        if corruptAmount { w.string("12,5x") } else { w.money(line.extendedPriceMicros) }
        w.key("VAT"); w.money(line.vatMicros)
        w.key("TaxPercentage"); w.numberText(line.taxPercentage)
        w.key("TaxZoneID"); w.string(line.taxZoneID)
        w.key("StartDate"); w.dateTime(line.startDate)
        w.key("EndDate"); w.dateTime(line.endDate)
        w.key("Duration")
        if !line.duration.isEmpty, line.duration.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { w.numberText(line.duration) } else { w.string(line.duration) }
        w.key("DurationType"); w.string(line.durationType)
        w.key("BillingFrequency"); w.optionalString(line.billingFrequency)
        if let ratePeriodID = line.ratePeriodID { w.key("RatePeriodID"); w.int(ratePeriodID) }
        if let chargeType = line.chargeType { w.key("ChargeType"); w.string(chargeType) }
        if let name = line.consumerCompanyName { w.key("ConsumerCompanyName"); w.string(name) }
        if let number = line.consumerCompanyNumber { w.key("ConsumerCompanyNumber"); w.string(number) }
        w.key("SubPONumber"); w.optionalString(line.subPONumber)
        if !line.vendorDetails.isEmpty {
            w.key("VendorDetails")
            w.beginObject()
            for attribute in line.vendorDetails { w.key(attribute.name); w.string(attribute.value) }
            w.endObject()
        }
        if let value = line.purchasePriceMicros { w.key("PurchasePrice"); w.money(value) }
        if let value = line.purchaseDiscount { w.key("PurchaseDiscount"); w.numberText(value) }
        if let value = line.salesPriceMicros { w.key("SalesPrice"); w.money(value) }
        if let value = line.salesDiscount { w.key("SalesDiscount"); w.numberText(value) }
        w.endObject()
    }
}
