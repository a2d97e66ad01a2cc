import JSON
import Warehouse

/// Renders invoice documents as the distributors' APIs send them (field order of the vendor
/// contracts, dates `YYYY-MM-DDT00:00:00`, amounts as exact numbers), straight into bytes.
/// The document is walked once (`write(_:corruption:to:)`) into an `InvoiceSink`: JSON for
/// both vendors, differing only where `Dialect` says, or 2tCloud's XML (`TwoTCloudRenderer`
/// wraps it in its envelope).
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

    /// One document, in whichever format `sink` writes.
    static func write(_ document: SandboxInvoice, corruption: SandboxCorruption?, to w: inout some InvoiceSink) {
        w.openItem("Invoice")
        if corruption != .missingHeader {
            w.open("Header")
            w.text("InvoiceID", corruption == .renumbered ? document.invoiceID + "-R" : document.invoiceID)
            w.dateTime("Date", document.date)
            w.dateTime("ExpirationDate", document.expirationDate)
            w.text("Currency", document.currency)
            w.text("Type", document.type)
            w.int("TypeIdentifier", document.typeIdentifier)
            w.text("Description", document.description)
            w.text("Language", document.language)
            w.text("LanguageCode", document.languageCode)
            w.int("TermsOfPaymentDays", document.termsOfPaymentDays)
            if w.isXML {
                // 2tCloud's XML repeats these in the header.
                w.text("TaxZoneID", document.taxZoneID)
                w.text("TaxPercentage", document.taxPercentage)
            }
            w.close("Header")
        }
        write(document.sender, as: "Sender", addressName: "Address", to: &w)
        // 2tCloud's XML names the Receiver's address `Street`.
        write(document.receiver, as: "Receiver", addressName: w.isXML ? "Street" : "Address", to: &w)
        w.openList("Customers", selfClosingWhenEmpty: document.customers.isEmpty)
        var corruptAmountPending = corruption == .badAmount
        for (index, customer) in document.customers.enumerated() {
            w.openItem("Customer")
            w.int("AccountID", customer.accountID)
            w.text("CustomerNumber", customer.customerNumber)
            if index == 0, case .companyNameEchoes(let text) = corruption {
                w.text("CompanyName", customer.companyName + " " + text)
            } else {
                w.text("CompanyName", customer.companyName)
            }
            w.text(document.endpoint == .consolidatedInvoices ? "CustomerCostCenter" : "CostCenter", customer.costCenter)
            w.openList("Subscriptions")
            for subscription in customer.subscriptions {
                w.openItem("Subscription")
                w.int("SubscriptionID", subscription.subscriptionID)
                w.text("SubscriptionName", subscription.subscriptionName)
                w.dateTime("StartDate", subscription.startDate)
                w.int("PlanID", subscription.planID)
                w.text("PlanName", subscription.planName)
                w.text("PlanCategoryName", subscription.planCategoryName)
                w.int("BillingModel", subscription.billingModel)
                w.text("SubscriptionPONumber", subscription.poNumber)
                if !subscription.details.isEmpty {
                    w.openList("SubscriptionDetails")
                    for detail in subscription.details {
                        w.openItem("SubscriptionDetail")
                        w.text("Attribute", detail.attribute)
                        w.text("AttributeValue", detail.value)
                        w.text("AttributeDescription", detail.description)
                        w.bool("noshow", detail.noshow)
                        w.closeItem("SubscriptionDetail")
                    }
                    w.closeList("SubscriptionDetails")
                }
                w.openList("PriceLines")
                for line in subscription.priceLines {
                    write(line, corruptAmount: corruptAmountPending, to: &w)
                    corruptAmountPending = false
                }
                w.closeList("PriceLines")
                w.closeItem("Subscription")
            }
            w.closeList("Subscriptions")
            w.closeItem("Customer")
        }
        w.closeList("Customers", selfClosingWhenEmpty: document.customers.isEmpty)
        if document.hasTotals {
            let net = document.extendedPriceTotalMicros
            let vat = document.vatTotalMicros
            w.open("Totals")
            w.money("TotalExclVAT", net)
            w.money("TotalVAT", vat)
            w.money("TotalInclVAT", net + vat)
            w.int("LineCount", document.lineCount)
            w.close("Totals")
        }
        w.closeItem("Invoice")
    }

    static func write(_ party: SandboxParty, as name: StaticString, addressName: StaticString, to w: inout some InvoiceSink) {
        w.open(name)
        w.int("AccountID", party.accountID)
        w.text("CustomerNumber", party.customerNumber)
        w.text("CompanyName", party.companyName)
        w.text(addressName, party.address)
        w.text("Zip", party.zip)
        w.text("City", party.city)
        w.text("Country", party.country)
        w.text("CountryCode", party.countryCode)
        w.text("VATNumber", party.vatNumber)
        w.text("Email", party.email)
        w.close(name)
    }

    static func write(_ line: SandboxPriceLine, corruptAmount: Bool, to w: inout some InvoiceSink) {
        w.openItem("PriceLine")
        w.int("LineId", line.lineID)
        w.text("UID", line.uid)
        if let hash = line.invoiceRowHash { w.text("InvoiceRowHash", hash) }
        w.text("SKU", line.sku)
        w.text("Description", line.description)
        w.number("Quantity", line.quantity)
        w.text("QuantityType", line.quantityType)
        w.money("UnitPrice", line.unitPriceMicros)
        w.number("Discount", line.discountPercent)
        if corruptAmount { w.text("ExtendedPrice", "12,5x") } else { w.money("ExtendedPrice", line.extendedPriceMicros) }
        w.money("VAT", line.vatMicros)
        w.number("TaxPercentage", line.taxPercentage)
        w.text("TaxZoneID", line.taxZoneID)
        w.dateTime("StartDate", line.startDate)
        w.dateTime("EndDate", line.endDate)
        // A number when it is all digits, as the vendors send it; text otherwise.
        if !line.duration.isEmpty, line.duration.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { w.number("Duration", line.duration) } else { w.text("Duration", line.duration) }
        w.text("DurationType", line.durationType)
        w.text("BillingFrequency", line.billingFrequency)
        if let ratePeriodID = line.ratePeriodID { w.int("RatePeriodID", ratePeriodID) }
        if let chargeType = line.chargeType { w.text("ChargeType", chargeType) }
        if let name = line.consumerCompanyName { w.text("ConsumerCompanyName", name) }
        if let number = line.consumerCompanyNumber { w.text("ConsumerCompanyNumber", number) }
        w.text("SubPONumber", line.subPONumber)
        if !line.vendorDetails.isEmpty {
            w.open("VendorDetails")
            for attribute in line.vendorDetails { w.text(named: attribute.name, attribute.value) }
            w.close("VendorDetails")
        }
        if let value = line.purchasePriceMicros { w.money("PurchasePrice", value) }
        if let value = line.purchaseDiscount { w.number("PurchaseDiscount", value) }
        if let value = line.salesPriceMicros { w.money("SalesPrice", value) }
        if let value = line.salesDiscount { w.number("SalesDiscount", value) }
        w.closeItem("PriceLine")
    }
}
