import CSQLiteSettings

/// SQLite's settings for the whole process, which only take before its first connection.
public enum SQLiteProcessSettings {
    /// Call once, first thing, before any thread uses SQLite (`sqlite3_config` is not
    /// thread-safe). With memory statistics on, every allocation SQLite makes takes one global
    /// mutex to count it; billwh reads no such statistic and sets no heap limit.
    /// Returns false when SQLite had already started (the call then changes nothing).
    @discardableResult
    public static func applyBeforeFirstConnection() -> Bool {
        billwh_sqlite_memory_statistics_off() == 0
    }
}
