import Logging
import PostgresNIO

/// The replica's high-water mark, in the replica itself: written in the transaction that
/// brings the rows it describes, so rows and mark can never disagree.
struct ReplicaState: Sendable {
    /// Which warehouse file the schema is a copy of (`replica_warehouse` there).
    var warehouseID: String
    /// The last change-log row reflected.
    var changeID: Int64
    /// The last raw document copied (0 without `--with-raw`).
    var rawID: Int64
    var withRaw: Bool

    static func read(_ connection: PostgresConnection, schema: SchemaName, logger: Logger) async throws -> ReplicaState? {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT warehouse_id, change_id, raw_id, with_raw FROM \(schema.quoted).replica_state
            """), logger: logger)
        var state: ReplicaState?
        for try await (id, change, raw, withRaw) in rows.decode((String, Int64, Int64, Bool).self) {
            state = ReplicaState(warehouseID: id, changeID: change, rawID: raw, withRaw: withRaw)
        }
        return state
    }

    /// Inside the replicate's transaction (search_path set to the schema).
    func write(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO replica_state (singleton, warehouse_id, change_id, raw_id, with_raw, replicated_at)
            VALUES (true, \(warehouseID), \(changeID), \(rawID), \(withRaw), now())
            ON CONFLICT (singleton) DO UPDATE SET warehouse_id = excluded.warehouse_id, change_id = excluded.change_id,
                raw_id = excluded.raw_id, with_raw = excluded.with_raw, replicated_at = excluded.replicated_at
            """, logger: logger)
    }
}
