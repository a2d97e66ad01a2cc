import ArgumentParser
import HTMLReport
import Warehouse
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTML report read-only on 127.0.0.1 until stopped (Ctrl-C).",
        discussion: "GET / renders `report html` anew on each request from the warehouse opened read-only; ?month=YYYY-MM&months=N&locale=en|nl as its options.")
    @OptionGroup var database: DatabaseOptions
    @Option(parsing: .unconditional, help: "Port to listen on (0 = any free port).", transform: PortArgument.parse) var port: Int = 8091

    func run() async throws {
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let path = database.path
            guard FileManager.default.fileExists(atPath: path) else { throw WarehouseError.missingDatabase(path) }
            try await ReportServer.run(databasePath: path, port: port, logger: logger) { bound in
                Console.out("serving the report of \(path) on http://127.0.0.1:\(bound)/ (read-only; Ctrl-C stops)\n")
            }
            return .success
        }
    }
}
