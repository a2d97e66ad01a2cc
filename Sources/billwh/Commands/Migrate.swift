import ArgumentParser
import Foundation
import Warehouse

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations/ to the warehouse (creating it if needed).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let path = database.path
            let queue = try WarehouseDatabase.openForWriting(path: path)
            let versions = try queue.read { try Int.fetchAll($0, sql: "SELECT version FROM schema_migrations ORDER BY version") }
            Console.note("\(path): schema at migration \(versions.last ?? 0) (\(versions.count) applied)")
            return .success
        }
    }
}
