import ArgumentParser
import Foundation
import Ingestion
import Pipeline
import Warehouse

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch vendor documents into raw + staging.",
        discussion: "Without dates: the lookback window ending today (BILLWH_LOOKBACK_DAYS, default 31). Long windows are fetched in chunks of at most 31 days; re-running a window is safe.")
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("vendor"), help: "Only this vendor (repeatable): copaco, twotcloud, copper (the CRM companies).") var vendors: [String] = []
    @OptionGroup var consolidated: ConsolidatedOption
    @OptionGroup var dates: DateRangeOptions
    @Flag(help: "Read every Copper company now, not only those changed since the last sync: companies deleted in Copper are removed at once instead of at the weekly full read.")
    var fullCopperRead = false

    func validate() throws {
        let known = Settings.knownVendors.map(\.rawValue)
        for vendor in vendors where !known.contains(vendor) {
            throw ValidationError("unknown vendor \(vendor): known vendors are \(known.joined(separator: ", "))")
        }
        if fullCopperRead, !vendors.isEmpty, !vendors.contains(VendorID.copper.rawValue) {
            throw ValidationError("--full-copper-read reads Copper: add --vendor copper, or leave --vendor out")
        }
    }

    static let earliestSince = CalendarDate(year: 2000, month: 1, day: 1)!

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let settings = consolidated.apply(to: try await Settings.loadPrintingWarnings())
            return try await database.withRunner(settings: settings, logger: logger) { runner in
                if let since = dates.since, dates.until == nil, since > runner.today {
                    throw ValidationError("--since must not be after --until (default today, \(runner.today))")
                }
                // A day of slack for a caller ahead of UTC; beyond it, every request would ask for
                // invoices not dated yet (a year ahead is a dozen empty windows per endpoint).
                if let until = dates.until, until > runner.today.adding(days: 1) {
                    throw ValidationError("--until \(until) is after today (\(runner.today), UTC): no invoice is dated in the future; leave it out to read up to today")
                }
                // A mistyped year (0026 for 2026) would ask a vendor for one window per month since then.
                if let since = dates.since, since < Self.earliestSince {
                    throw ValidationError("--since \(since) is before \(Self.earliestSince): no distributor's billing API holds invoices that old, and billwh would ask for every month since; check the year")
                }
                let window = dates.window(today: runner.today) { until in DateWindow.lookback(days: settings.lookbackDays, today: until).start }
                let summary = try await runner.ingest(vendors: vendors.isEmpty ? nil : vendors.map(VendorID.init(rawValue:)), window: window,
                                                     copperFullRead: fullCopperRead)
                Console.note(Summaries.ingest(summary))
                return Summaries.exitCode(summary.outcome)
            }
        }
    }
}
