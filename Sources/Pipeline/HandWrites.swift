import Foundation
import GRDB
import Warehouse

/// Changes made with `billwh query --write`, by no run of billwh: each is on record in `runs`
/// (command `query --write`), so that the next nightly checks the whole warehouse, not only
/// what it changed itself.
package enum HandWrites {
    package static let command = "query --write"

    /// After the write, on its connection (`Export.runQuery`'s `recordingChanges`).
    package static func record(_ db: Database, changes: Int) throws {
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO runs (command, pid, started_at, finished_at, outcome, summary) VALUES (?, ?, ?, ?, 'ok', ?)",
                       arguments: [command, Int(getpid()), now, now, "\(changes) rows changed by hand"])
    }
}
