import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct VendorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vendors",
        abstract: "Every endpoint billwh calls: API version, lifecycle status and dates, last success.",
        discussion: """
            The lifecycle comes with billwh (Copaco's published table; 2tCloud and Copper publish none) and can \
            be overridden the day a vendor announces a change, e.g.
              BILLWH_ENDPOINT_LIFECYCLE='copaco/invoices@v1=Deprecated,eol=2027-06-30'
            (entries separated by ';'; statuses Stable, Beta, Development, Deprecated, End-of-life).

            `nightly` warns about a Deprecated endpoint or one within 60 days of its end of life, and refuses a \
            Development endpoint unless BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS=true.
            """)
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let settings = try await Settings.loadPrintingWarnings()
            var rows = VendorsReport.rows(settings: settings)
            if FileManager.default.fileExists(atPath: database.path) {
                let queue = try WarehouseDatabase.openReadOnly(path: database.path)
                let listed = rows
                rows = try await queue.read { db in try VendorsReport.withLastSuccess(listed, db) }
            } else {
                // "never" would read as "the job never ran", where the path may just be mistyped.
                Console.note("billwh: note: no warehouse at \(database.path), so no last success is shown (--db, BILLWH_DB)")
            }
            Console.out(VendorsReport.render(rows, today: .today()))
            return .success
        }
    }
}
