import ArgumentParser
import Foundation
import Ingestion
import Pipeline

struct RederiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rederive",
        abstract: "Rebuild staging from the stored raw documents with the current decoder, then reconcile. No vendor call.",
        discussion: """
            The fix path after a decoder change or a vendor's field change: documents whose lines decode \
            differently are written again, quarantined documents that decode now are released (unless a later \
            version is current), and the changed match groups are reconciled (closed months get adjustments as \
            usual). A document quarantined for what it is rather than how it decodes (a second document under a key \
            the response already used, or one holding the request's credentials) stays quarantined. Safe to re-run \
            and to resume after a kill. Exit 0 when every document decodes, 2 when some stay quarantined; 1 on a \
            damaged file.
            """)
    @OptionGroup var database: DatabaseOptions
    // Parsed here rather than as a plain VendorID, whose values in --help would offer copper.
    @Option(name: .customLong("vendor"), help: ArgumentHelp("Only this vendor (repeatable): copaco, twotcloud.", valueName: "vendor"),
            transform: Self.rederivable) var vendors: [VendorID] = []
    @OptionGroup var dates: DateRangeOptions

    static func rederivable(_ argument: String) throws -> VendorID {
        guard let vendor = VendorID(argument: argument) else {
            throw ValidationError("unknown vendor \(argument): rederive reads copaco and twotcloud")
        }
        if let problem = PipelineRunner.unrederivable([vendor]) { throw ValidationError(problem) }
        return vendor
    }

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let report = try await database.withRunner(settings: try await Settings.loadPrintingWarnings(), logger: logger) { runner in
                try await runner.rederive(vendors: vendors.isEmpty ? nil : vendors, window: dates.window(today: runner.today) { _ in .earliest })
            }
            var text = "rederive: \(report.documents) documents: \(report.unchanged) unchanged, \(report.restaged) restaged, \(report.released) released from quarantine"
            if report.superseded > 0 { text += ", \(report.superseded) superseded by a later version" }
            text += ", \(report.lines) lines written, \(report.rejected.count) still rejected\n"
            if report.keptInQuarantine > 0 {
                text += "  \(report.keptInQuarantine) quarantined kept as they are: not a decoding matter (a second document under one key, "
                    + "or credentials in it); the vendor's next answer decides (billwh status)\n"
            }
            for (document, reason) in report.rejected.prefix(20) { text += "  ! \(document): \(reason)\n" }
            if report.rejected.count > 20 { text += "  … and \(report.rejected.count - 20) more (billwh status)\n" }
            if let reconcile = report.reconcile { text += Summaries.reconcile(reconcile) }
            Console.note(text, terminator: "")
            return Summaries.exitCode(report.outcome)
        }
    }
}
