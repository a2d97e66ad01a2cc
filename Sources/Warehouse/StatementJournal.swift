import GRDB

/// Transactions whose statement journals stay in memory.
///
/// Inside a transaction SQLite journals the pages a statement changes whenever the statement
/// may have to be undone on its own, as any statement that fires a trigger may (`documents`
/// carries the replica's). Once one statement's journal outgrows 64 KiB it moves to a temp
/// file for the rest of the transaction, and from then on every such statement writes its
/// pages there: an ingest window wrote a 16 KiB page per document. With `temp_store = MEMORY`
/// when the transaction begins (SQLite reads it then), each statement's journal is the few
/// pages it changed, in memory, and freed when the statement ends.
///
/// `temp_store` also keeps temporary tables in memory and sorts on one thread, so this is for
/// transactions none of whose statements builds a temporary table larger than a document's.
public enum StatementJournal {
    /// Runs `updates` in one transaction (committed when it returns, rolled back when it
    /// throws) with statement journals in memory; `temp_store` is what it was afterwards.
    public static func inMemory<T>(_ db: Database, _ updates: () throws -> T) throws -> T {
        let previous = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
        try db.execute(sql: "PRAGMA temp_store = MEMORY")
        defer { try? db.execute(sql: "PRAGMA temp_store = \(previous)") }
        var result: T?
        try db.inTransaction {
            result = try updates()
            return .commit
        }
        return result!
    }
}
