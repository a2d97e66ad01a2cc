import GRDB

/// The log a PostgreSQL replica follows (migrations/0012_replica_changes.sql): which documents,
/// customers, match groups and purchases changed, in the units their writers already work in.
///
/// Documents and CRM relinks are logged by triggers on one row per document or relinked
/// purchase; reconcile logs the scope it rebuilt here, one row per customer or match group.
/// Nothing is logged until a replica is registered.
public enum ReplicaChangeLog {
    /// Called by reconcile inside its transaction, once it knows its scope: the temp tables
    /// `scope_whole` (vendor, customer_key) and `scope_groups` (vendor, customer_key, match_group).
    public static func recordRebuild(_ db: Database, wholeCustomers: String, groups: String) throws {
        try db.execute(sql: """
            INSERT INTO replica_changes (kind, vendor, key1)
            SELECT 'customer', vendor, customer_key FROM \(wholeCustomers) WHERE EXISTS (SELECT 1 FROM replica_consumers);
            INSERT INTO replica_changes (kind, vendor, key1, key2)
            SELECT 'group', vendor, customer_key, match_group FROM \(groups) WHERE EXISTS (SELECT 1 FROM replica_consumers);
            """)
    }

    /// A write made by hand (`billwh query --write`) can change any row in ways the log cannot
    /// name, so every replica needs a whole copy: the log is marked as not reaching back past
    /// this point, as after a prune (its sequence moved on by a row written and removed, so a
    /// replica's mark after that copy is past it).
    public static func recordHandWrite(_ db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM replica_consumers)") == true else { return }
        try db.inSavepoint {
            try db.execute(sql: "INSERT INTO replica_changes (kind) VALUES ('purchase')")
            let mark = db.lastInsertedRowID
            try db.execute(sql: "DELETE FROM replica_changes WHERE change_id = ?", arguments: [mark])
            try db.execute(sql: "UPDATE replica_warehouse SET pruned_through = max(pruned_through, ?)", arguments: [mark])
            return .commit
        }
    }

    /// A replica as the warehouse knows it when a replicate starts.
    public struct Registration: Sendable {
        /// Registered by this call: nothing was logged for it before.
        public var isNew: Bool
        /// The change the replica had read through when its last replicate ended.
        public var consumedThrough: Int64
    }

    /// Registers a replica so that changes are logged from now on.
    public static func register(_ db: Database, target: String) throws -> Registration {
        try db.execute(sql: "INSERT OR IGNORE INTO replica_consumers (target, registered_at) VALUES (?, ?)",
                       arguments: [target, Timestamp.now()])
        let isNew = db.changesCount > 0
        let consumed = try Int64.fetchOne(db, sql: "SELECT consumed_through FROM replica_consumers WHERE target = ?", arguments: [target]) ?? 0
        return Registration(isNew: isNew, consumedThrough: consumed)
    }

    /// Forgets a replica registered by a replicate that failed before it existed.
    public static func unregister(_ db: Database, target: String) throws {
        try db.execute(sql: "DELETE FROM replica_consumers WHERE target = ?", arguments: [target])
    }

    /// Records how far a replica has read (after its PostgreSQL commit) and prunes what every
    /// replica has read.
    public static func consumed(_ db: Database, target: String, through changeID: Int64) throws {
        try db.execute(sql: "UPDATE replica_consumers SET consumed_through = max(consumed_through, ?), replicated_at = ? WHERE target = ?",
                       arguments: [changeID, Timestamp.now(), target])
        let floor = try Int64.fetchOne(db, sql: "SELECT min(consumed_through) FROM replica_consumers") ?? 0
        guard floor > 0 else { return }
        try db.execute(sql: "DELETE FROM replica_changes WHERE change_id <= ?", arguments: [floor])
        try db.execute(sql: "UPDATE replica_warehouse SET pruned_through = max(pruned_through, ?)", arguments: [floor])
    }
}
