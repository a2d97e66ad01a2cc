import Foundation
import GRDB

/// Changes made with `billwh query --write`, by no run of billwh: each is on record in `runs`
/// (command `query --write`), so that the next nightly checks the whole warehouse, not only
/// what it changed itself.
public enum HandWrites {
    public static let command = "query --write"

    public static func record(_ db: Database, changes: Int) throws {
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO runs (command, pid, started_at, finished_at, outcome, summary) VALUES (?, ?, ?, ?, 'ok', ?)",
                       arguments: [command, Int(getpid()), now, now, "\(changes) rows changed by hand"])
    }
}
