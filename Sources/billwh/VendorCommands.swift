import ArgumentParser
import Foundation
import Ingestion
import Pipeline
import Warehouse

struct VendorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vendors",
        abstract: "Every endpoint billwh calls: API version, lifecycle status and dates, last success.",
        discussion: """
            The lifecycle comes with billwh (Copaco's published table; 2tCloud and Copper publish none) and can be
            overridden the day a vendor announces a change, e.g.
              BILLWH_ENDPOINT_LIFECYCLE='copaco/invoices@v1=Deprecated,eol=2027-06-30'
            (entries separated by ';'; statuses Stable, Beta, Development, Deprecated, End-of-life).
            `nightly` warns about a Deprecated endpoint or one within 60 days of its end of life, and refuses a
            Development endpoint unless BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS=true.
            """)
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let settings = try await Settings.load()
            var rows = VendorsReport.rows(settings: settings)
            if FileManager.default.fileExists(atPath: database.path) {
                let queue = try WarehouseDatabase.openReadOnly(path: database.path)
                let listed = rows
                rows = try await queue.read { db in try VendorsReport.withLastSuccess(listed, db) }
            }
            Console.out(VendorsReport.render(rows, today: .today()))
            return .success
        }
    }
}

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check each configured vendor's credentials with one cheap call, before the first night.",
        discussion: """
            Copaco: its example invoices; 2tCloud: one day of invoices; Copper: one page of companies.
            Prints per vendor whether it is reachable and takes the credentials, the API version that answered, and
            on a refusal what to check. Exit 0 only when every configured vendor answers; 1 otherwise.
            """)

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors {
            let settings = try await Settings.load()
            guard !settings.configuredVendors.isEmpty else {
                Console.error("no vendor is configured: set BILLWH_COPACO_API_KEY, BILLWH_TWOTCLOUD_ACCOUNT_ID + BILLWH_TWOTCLOUD_API_KEY or BILLWH_COPPER_ACCESS_TOKEN + BILLWH_COPPER_USER_EMAIL (or their _FILE forms)")
                return ExitCode(1)
            }
            let findings = await Doctor(settings: settings, logger: logger).run()
            Console.out(Doctor.render(findings))
            return findings.allSatisfy(\.ok) ? .success : ExitCode(1)
        }
    }
}

struct RederiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rederive",
        abstract: "Rebuild staging from the stored raw documents with the current decoder, then reconcile. No vendor call.",
        discussion: """
            The fix path after a decoder change or a vendor's field change: documents whose lines decode differently
            are written again, quarantined documents that decode now are released (unless a later version is current),
            and the changed match groups are reconciled (closed months get adjustments as usual). Safe to re-run and
            to resume after a kill. Exit 0 when every document decodes, 2 when some stay quarantined.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("vendor"), help: "Only this vendor (repeatable): copaco, twotcloud.") var vendors: [VendorID] = []
    @OptionGroup var dates: DateRangeOptions

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let report = try await database.withRunner(settings: try await Settings.load(), logger: logger) { runner in
                try await runner.rederive(vendors: vendors.isEmpty ? nil : vendors, window: dates.window(today: runner.today))
            }
            var text = "rederive: \(report.documents) documents: \(report.unchanged) unchanged, \(report.restaged) restaged, \(report.released) released from quarantine"
            if report.superseded > 0 { text += ", \(report.superseded) superseded by a later version" }
            text += ", \(report.lines) lines written, \(report.rejected.count) still rejected\n"
            for (document, reason) in report.rejected.prefix(20) { text += "  ! \(document): \(reason)\n" }
            if report.rejected.count > 20 { text += "  … and \(report.rejected.count - 20) more (billwh status)\n" }
            if let reconcile = report.reconcile { text += Summaries.reconcile(reconcile) }
            Console.note(text, terminator: "")
            return Summaries.exitCode(report.outcome)
        }
    }
}
