import GRDB
import GRDBSQLite

/// A first load into an empty warehouse writes every page once, to the database file, rather
/// than twice (into the WAL, then the checkpoint's copy into the file): for the load the file
/// is the writer's alone (exclusive locking, a rollback journal), and it goes back to WAL when
/// the load ends. Nothing reads an empty warehouse worth waiting for; other processes get
/// "database is locked" (after their busy timeout) until the load ends.
///
/// A load killed part way leaves a rollback journal, which SQLite plays back when the file is
/// next opened (and `openForWriting` puts it back to WAL): the same all-or-nothing per window
/// as with the WAL.
public enum FirstLoadJournal {
    /// Takes the file for the load when it is in WAL mode and no other connection has it open
    /// (leaving WAL needs the file to itself); otherwise changes nothing and returns false.
    /// Outside a transaction.
    public static func begin(_ db: Database) throws -> Bool {
        guard try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" else { return false }
        // Another process with the file open answers BUSY: then the load keeps the WAL, at once.
        let handle = db.sqliteConnection
        sqlite3_busy_timeout(handle, 0)
        defer { restoreBusyTimeout(db) }
        try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
        if (try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")) == "delete" { return true }
        try db.execute(sql: "PRAGMA locking_mode = NORMAL")
        // The pragma above took effect only when the lock is next released: release it now.
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
        return false
    }

    /// Gives the file back to WAL and to other connections. Outside a transaction.
    public static func end(_ db: Database) throws {
        // Normal locking first: a connection that enters WAL in exclusive mode stays in it.
        try db.execute(sql: "PRAGMA locking_mode = NORMAL")
        try db.execute(sql: "PRAGMA journal_mode = WAL")
    }

    private static func restoreBusyTimeout(_ db: Database) {
        if case .timeout(let seconds) = db.configuration.busyMode {
            sqlite3_busy_timeout(db.sqliteConnection, Int32(seconds * 1000))
        }
    }
}
