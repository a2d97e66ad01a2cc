import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in the warehouse's place (refused while a run holds the lock).",
        discussion: """
            The backup is checked with PRAGMA integrity_check first; a bad copy changes nothing. The current file is kept \
            aside as <db>.before-restore-<UTC time> and the restored copy takes its name in one rename. Stop `billwh serve` \
            and Litestream first. Then run `billwh nightly`: it fetches again what the vendors sent after the backup. \
            A PostgreSQL replica is copied whole on its next run.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("The backup file to restore.", valueName: "file")) var from: String

    func run() async throws {
        InterruptCleanup.install()
        let logger = Logs.bootstrap()
        try await runReportingErrors {
            let runner = PipelineRunner(databasePath: database.path, settings: try await Settings.loadPrintingWarnings(), logger: logger)
            let outcome = try runner.restore(from: from)
            Console.note("restore: \(database.path) is now the copy \(from) (integrity_check ok)")
            if let aside = outcome.keptAside { Console.note("restore: the file that was in place is kept as \(aside)") }
            if outcome.ofAnotherWarehouse {
                Console.note("billwh: warning: restore: the backup is of another warehouse than the file it replaced (expected when that file was a new one): "
                                + "a replica of the old one refuses it until `billwh replicate --full`, and the old one's backups are not rotated by it")
            }
            Console.note("next: `billwh nightly --db \(database.path)` fetches again what came after the backup")
            return .success
        }
    }
}
