import ArgumentParser
import Demo
import HTMLReport
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Try billwh without credentials: sandbox → nightly → summary.",
        discussion: "Starts the fake vendor APIs in-process, back-fills their history and runs the nightly job into a fresh warehouse in --dir (a new or empty folder, or one an earlier demo made: it replaces what it finds there), exports the purchases CSV and the last complete month as xlsx, writes the HTML report (report.html), and prints a summary.")
    @Option(help: "Folder for the demo database, CSV, xlsx and report.") var dir: String = "billwh-demo"

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors {
            let result: DemoRunner.Result
            do { result = try await DemoRunner(directory: dir, logger: logger).run() } catch let refused as DemoFolderRefused {
                throw ValidationError(refused.description)
            }
            Console.out(result.summary)
            let report = (dir as NSString).appendingPathComponent("report.html")
            try HTMLReport.write(databasePath: result.databasePath, options: HTMLReport.Options(), to: report)
            Console.out("Report (open in a browser): \(report)\n")
            return Summaries.exitCode(result.outcome)
        }
    }
}
