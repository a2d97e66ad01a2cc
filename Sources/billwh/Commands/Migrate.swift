import ArgumentParser
import Foundation
import Warehouse

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations/ to the warehouse (creating it if needed).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let path = database.path
            let (queue, applied) = try WarehouseDatabase.openMigrating(path: path)
            let version = try queue.read { try Int.fetchOne($0, sql: "SELECT max(version) FROM schema_migrations") } ?? 0
            Console.note(applied.isEmpty ? "\(path): already at migration \(version), nothing to apply"
                         : "\(path): applied \(applied.count) migration\(applied.count == 1 ? "" : "s"), now at migration \(version)")
            return .success
        }
    }
}
