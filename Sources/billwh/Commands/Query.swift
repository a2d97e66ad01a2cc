import ArgumentParser
import Export
import Foundation
import Pipeline
import Warehouse

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SQL on the warehouse, read-only unless --write.",
        discussion: """
            Rows are streamed to stdout. Money columns are INTEGER micro-units (*_micros); the purchases_readable view shows decimals for reading (REAL: sum the *_micros columns for exact totals). Schema: docs/schema.md.

            The table format is for reading: a value longer than 60 characters, or than its column's width as measured on the first 1000 rows, is cut and ends in …, and stderr says how many were. csv, tsv, json and jsonl always give whole values; NULL is an empty field in csv and tsv, null in JSON, and a BLOB is hex in table, csv and tsv, base64 in JSON.

            With --write each statement commits on its own, as in the sqlite3 shell: write BEGIN; …; COMMIT; for all or nothing.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The SQL to run.") var sql: String
    @Option(help: "table, csv, tsv, json or jsonl.") var format: QueryFormat = .table
    @Flag(help: "Allow statements that change the warehouse.") var write = false

    func validate() throws {
        if sql.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw ValidationError("the SQL is empty: give a statement, e.g. billwh query \"SELECT count(*) FROM purchases\"")
        }
    }

    func run() async throws {
        try await runReportingErrors(database) {
            // Changes are on record for the next nightly, which then checks the whole warehouse.
            let summary = try Export.runQuery(sql, databasePath: database.path, format: format, allowWrite: write,
                                              recordingChanges: HandWrites.record)
            if summary.cutValues > 0 {
                Console.note("billwh: note: \(summary.cutValues) value\(summary.cutValues == 1 ? " was" : "s were") longer than the table's column and shown cut short (ending in …); --format csv, tsv, json or jsonl gives whole values")
            }
            return .success
        }
    }
}
