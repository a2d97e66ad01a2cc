import Ingestion
import Testing
import Warehouse
@testable import Vendors

@Suite struct LifecycleTests {
    let today = CalendarDate(year: 2026, month: 12, day: 3)!

    @Test func theShippedRegistryHasEveryEndpointBillwhCalls() {
        let registry = LifecycleRegistry.published
        #expect(registry.lookup(.copaco, "invoices", version: "v1")?.status == .stable)
        #expect(registry.lookup(.copaco, "customer-specifications", version: "v1")?.status == .stable)
        // A version nobody described is unknown, not Stable.
        #expect(registry.lookup(.copaco, "invoices", version: "v2") == nil)
        #expect(registry.lookup(.twotcloud, "customerinvoices", version: "v3")?.status == .stable)
        // 2tCloud has v1 to v4; a v9 (a typo in BILLWH_TWOTCLOUD_API_VERSION) is unknown too.
        #expect(registry.lookup(.twotcloud, "invoices", version: "v9") == nil)
    }

    @Test func anOverrideRecordsADeprecationAndWins() throws {
        let registry = try LifecycleRegistry.published.overridden(by: "copaco/invoices@v1=deprecated, eol=2027-01-15; copaco/customer-specifications=Development")
        let invoices = try #require(registry.lookup(.copaco, "invoices", version: "v1"))
        #expect(invoices.status == .deprecated)
        #expect(invoices.endOfLife?.description == "2027-01-15")
        #expect(invoices.source == "BILLWH_ENDPOINT_LIFECYCLE")
        // 43 days before the end of life: inside the 60-day warning.
        #expect(invoices.warning(today: today)?.contains("reaches its end of life on 2027-01-15, in 43 days") == true)
        // Without a version it applies to every version.
        #expect(registry.lookup(.copaco, "customer-specifications", version: "v7")?.status == .development)
    }

    @Test func warningsFollowTheDates() {
        var entry = EndpointLifecycle(vendor: .copaco, endpoint: "invoices", version: "v1", status: .stable, source: "test")
        #expect(entry.warning(today: today) == nil)
        entry.endOfLife = today.adding(days: 61)
        #expect(entry.warning(today: today) == nil)
        entry.endOfLife = today.adding(days: 60)
        #expect(entry.warning(today: today)?.contains("in 60 days") == true)
        entry.endOfLife = today
        #expect(entry.warning(today: today)?.contains("reached its end of life") == true)
        entry.endOfLife = nil
        entry.status = .deprecated
        #expect(entry.warning(today: today)?.contains("is Deprecated") == true)
    }

    @Test(arguments: ["copaco/invoices", "copaco=Stable", "acme/invoices=Stable", "copaco/invoices=Sunset",
                      "copaco/invoices=Deprecated,eol=soon", "copaco/invoices=Deprecated,until=2027-01-01",
                      // An endpoint billwh does not call (a typo hides the deprecation), and dates at odds.
                      "copaco/invoice@v1=Deprecated,eol=2027-01-01", "copaco/nope=Stable",
                      "copaco/invoices@v1=Stable,eol=2026-01-01", "copaco/invoices=Deprecated,eol=2027-01-01,deprecated=2027-06-01"])
    func aMalformedOverrideIsRefusedWithTheForm(text: String) {
        #expect(throws: LifecycleSettingError.self) { try LifecycleRegistry.published.overridden(by: text) }
    }
}
