import ArgumentParser
import Foundation
import Warehouse

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations/ to the warehouse (creating it if needed).")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await runReportingErrors(database) {
            let path = database.path
            let applied = "SELECT version FROM schema_migrations ORDER BY version"
            let before = (try? WarehouseDatabase.openReadOnly(path: path).read { try Int.fetchAll($0, sql: applied) }) ?? []
            let queue = try WarehouseDatabase.openForWriting(path: path)
            let versions = try queue.read { try Int.fetchAll($0, sql: applied) }
            let new = versions.count - before.count
            Console.note(new == 0 ? "\(path): already at migration \(versions.last ?? 0), nothing to apply"
                         : "\(path): applied \(new) migration\(new == 1 ? "" : "s"), now at migration \(versions.last ?? 0)")
            return .success
        }
    }
}
