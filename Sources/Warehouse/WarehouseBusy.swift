import GRDBSQLite

/// Another process kept the file locked past the busy timeout: most likely a first load into
/// an empty warehouse, which has the file to itself until it ends (`FirstLoadJournal`). Said
/// in words that tell what to do, rather than as SQLite's "database is locked".
public struct WarehouseBusy: Error, CustomStringConvertible {
    public var path: String
    /// What the run lock of the warehouse says of the run holding it (pid, command, start), if
    /// a run holds it.
    public var holder: String?

    public init(path: String, holder: String? = nil) {
        self.path = path
        self.holder = holder
    }

    /// The lock in `error`, if that is what it is.
    public static func detect(_ error: any Error, path: String) -> WarehouseBusy? {
        sqliteFailure(error, among: [SQLITE_BUSY]) == nil ? nil : WarehouseBusy(path: path)
    }

    public var description: String {
        "the warehouse \(path) is locked by another process (SQLite: database is locked)"
            + (holder.map { "; the billwh run holding it is \($0)" }
               ?? "; no billwh run holds its run lock, so another program does (`fuser -v \(path)` names it)") + ". A first load into an empty "
            + "warehouse (`billwh nightly` or `ingest` into a new file) keeps the file to itself until it ends, and so may "
            + "another program writing to the file (`sqlite3`, a long `query --write`); try again when it is done"
    }
}
