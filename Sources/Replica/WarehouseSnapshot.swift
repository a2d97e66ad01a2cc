import Export
import Foundation
import GRDBSQLite
import Warehouse

/// One read transaction on the warehouse file, on a connection of its own: everything a
/// replicate copies comes from the same moment, including the log mark it records, while
/// `nightly` may go on writing (WAL readers see a fixed snapshot).
///
/// A raw connection rather than GRDB's: rows are stepped between the awaits of the COPY
/// stream, which a closure-scoped GRDB read cannot span.
final class WarehouseSnapshot {
    let connection: OpaquePointer
    /// This warehouse's identity and the log's extent, as of the snapshot.
    let warehouseID: String
    /// The identities it had before it was restored from a backup (migration 0017).
    let earlierIDs: Set<String>
    let lastChange: Int64
    let prunedThrough: Int64
    let lastRawID: Int64

    init(path: String) throws {
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteFailure(code: rc, message: "\(path): \(message)")
        }
        connection = handle
        sqlite3_busy_timeout(handle, 10_000)
        do {
            // SQLite reads pages through a map: no kernel-to-user copy of each page.
            try Self.execute(handle, "PRAGMA mmap_size = 1099511627776; PRAGMA cache_size = -20480; BEGIN")
            let identity = try SteppedStatement.prepare("SELECT warehouse_id, pruned_through, earlier_ids FROM replica_warehouse", on: handle)
            guard try identity.step(), let id = identity.text(0) else {
                throw SQLiteFailure(code: SQLITE_CORRUPT, message: "replica_warehouse has no row")
            }
            warehouseID = String(decoding: id, as: UTF8.self)
            prunedThrough = Self.integer(identity, 1)
            earlierIDs = WarehouseBackup.earlierIDs(identity.text(2).map { String(decoding: $0, as: UTF8.self) })
            lastChange = try Self.scalar(handle, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'replica_changes'), 0)")
            lastRawID = try Self.scalar(handle, "SELECT coalesce(max(raw_id), 0) FROM raw_documents")
        } catch {
            sqlite3_close(handle)
            throw error
        }
    }

    deinit {
        sqlite3_exec(connection, "COMMIT", nil, nil, nil)
        sqlite3_close(connection)
    }

    func execute(_ sql: String) throws { try Self.execute(connection, sql) }

    func prepare(_ sql: String) throws -> SteppedStatement { try SteppedStatement.prepare(sql, on: connection) }

    func scalar(_ sql: String) throws -> Int64 { try Self.scalar(connection, sql) }

    static func execute(_ connection: OpaquePointer, _ sql: String) throws {
        let rc = sqlite3_exec(connection, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteFailure(code: rc, message: String(cString: sqlite3_errmsg(connection))) }
    }

    static func scalar(_ connection: OpaquePointer, _ sql: String) throws -> Int64 {
        let statement = try SteppedStatement.prepare(sql, on: connection)
        guard try statement.step() else { return 0 }
        return integer(statement, 0)
    }

    static func integer(_ statement: SteppedStatement, _ column: Int32) -> Int64 {
        statement.text(column).flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
    }
}
