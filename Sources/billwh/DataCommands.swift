import ArgumentParser
import Foundation
import Pipeline
import Warehouse

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run SQL on the warehouse, read-only unless --write.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The SQL to run.") var sql: String
    @Option(help: "table, csv, tsv, json or jsonl.") var format: String = "table"
    @Flag(help: "Allow statements that change the warehouse.") var write = false

    func run() async throws {
        try await runReportingErrors {
            Console.error("query: not yet wired")
            return ExitCode(1)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export purchases for accounting.")
    func run() async throws {}
}

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "Serve the local fake vendor APIs until stopped.")
    func run() async throws {}
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the nightly job against the local sandbox into a fresh file and show the result.")
    func run() async throws {}
}
