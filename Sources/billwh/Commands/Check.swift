import ArgumentParser
import Foundation
import Reconciliation
import Warehouse

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the data tests: each failure is printed with its offending rows; exit 1 if any fails (months left open are a reminder, not a failure).",
        discussion: """
            Checks: staging holds only current versions and unique lines; no orphan purchases; no line counted twice; \
            cost and sell equal the staged lines per vendor (closed months' adjustments included); margins consistent; \
            each document's lines add up to the vendor's stated Totals (to the cent); the last read of each endpoint held no amount \
            where billwh reads none (price lines moved by the vendor); nothing waiting for reconcile; no month older \
            than --max-open-months left open (a reminder: printed, exit 0). `nightly` runs the same rules over what it changed, so that its cost \
            follows its window; over everything after a `query --write` that changed rows, and after a nightly whose checks failed. \
            First, SQLite checks the file itself (quick_check; --full: integrity_check); a damaged file exits 1 with what to do.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Months that may stay open before `months_closed_in_time` fails.") var maxOpenMonths = DataChecks.defaultMaxOpenMonths
    @Flag(help: "Check the file with PRAGMA integrity_check (every index against its table) instead of quick_check.") var full = false

    func validate() throws {
        guard (0...1200).contains(maxOpenMonths) else { throw ValidationError("--max-open-months takes 0 to 1200") }
    }

    func run() async throws {
        try await runReportingErrors(database) {
            let queue = try WarehouseDatabase.openReadOnly(path: database.path)
            try WarehouseDatabase.quickCheck(queue, full: full, backupDirectory: ProcessInfo.processInfo.environment["BILLWH_BACKUP_DIR"])
            Console.note("file: \(full ? "integrity_check" : "quick_check") ok")
            let results = try queue.read { db in try DataChecks.run(db, checks: DataChecks.all(today: .today(), maxOpenMonths: maxOpenMonths)) }
            Console.out(DataChecks.render(results))
            return !results.contains(where: \.failed) ? .success : ExitCode(1)
        }
    }
}
