import Foundation
import GRDB
import Warehouse

/// A migrated warehouse file in a fresh temp folder. `withRun` adds run 1 to the ledger, for
/// tests that write rows naming their run. Removed by `remove()`, which a test defers: a
/// deinit could run while the queue is still in use.
public struct TempWarehouse: Sendable {
    public let folder: URL
    public let path: String
    public let queue: DatabaseQueue

    public init(withRun: Bool = false) throws {
        folder = try TempDir.makeFolder()
        path = folder.appendingPathComponent("w.sqlite").path
        queue = try WarehouseDatabase.openForWriting(path: path)
        if withRun {
            try queue.write { try $0.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (1, 'test', 1, 'now')") }
        }
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
