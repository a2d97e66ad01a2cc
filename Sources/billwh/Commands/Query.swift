import ArgumentParser
import Export
import Foundation
import Warehouse

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run SQL on the warehouse, read-only unless --write.",
        discussion: "Rows are streamed to stdout. Money columns are INTEGER micro-units (*_micros); the purchases_readable view shows decimals. Schema: docs/schema.md.")
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
            _ = try Export.runQuery(sql, databasePath: database.path, format: format, allowWrite: write)
            return .success
        }
    }
}
