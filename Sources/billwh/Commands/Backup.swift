import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the warehouse into a folder, verified, while it stays in use.",
        discussion: """
            The copy is taken under the run lock: a nightly in progress is waited for (up to --wait minutes), so the copy \
            is the state before or after a run, never the middle of one; readers (query, export, serve) go on meanwhile. \
            It is written as <name>-<UTC time>.sqlite, checked with PRAGMA integrity_check, fsynced, and only then given \
            its name; the newest --keep copies of this warehouse in the folder are kept, older ones deleted (copies of \
            another warehouse of the same file name, told apart by the id each warehouse holds, are left alone). \
            `nightly` takes one itself after each run that committed when BILLWH_BACKUP_DIR is set.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The folder for the copies (created if missing).", valueName: "dir")) var to: String
    @Option(help: "How many copies of this warehouse to keep in the folder.") var keep: Int = BackupSettings.defaultKeep
    @Option(help: "Minutes to wait for a run in progress before giving up with exit 75.") var wait: Int = 120

    func validate() throws {
        guard (1...10_000).contains(keep) else { throw ValidationError("--keep takes 1 to 10000 copies") }
        guard (0...1440).contains(wait) else { throw ValidationError("--wait takes 0 to 1440 minutes") }
    }

    func run() async throws {
        InterruptCleanup.install()
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let copy = try await database.withRunner(settings: try await Settings.loadPrintingWarnings(), logger: logger) { runner in
                try runner.backup(to: to, keep: keep, waiting: .seconds(wait * 60))
            }
            Console.note("backup: \(copy.path) (\(copy.bytes) bytes, integrity_check ok)")
            Console.out(copy.path + "\n")
            return .success
        }
    }
}
