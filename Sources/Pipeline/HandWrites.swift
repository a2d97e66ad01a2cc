import Foundation
import GRDB
import Warehouse

/// Changes made with `billwh query --write`, by no run of billwh: each is on record in `runs`
/// (command `query --write`), so that the next nightly checks the whole warehouse, not only
/// what it changed itself.
package enum HandWrites {
    package static let command = "query --write"

    /// After the write, in a transaction of its own (`runs` is this module's; the query's
    /// module only runs SQL).
    package static func record(databasePath: String, changes: Int) throws {
        try WarehouseDatabase.openForWriting(path: databasePath).write { db in try record(db, changes: changes) }
    }

    static func record(_ db: Database, changes: Int) throws {
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO runs (command, pid, started_at, finished_at, outcome, summary) VALUES (?, ?, ?, ?, 'ok', ?)",
                       arguments: [command, Int(getpid()), now, now, "\(changes) rows changed by hand"])
    }
}
