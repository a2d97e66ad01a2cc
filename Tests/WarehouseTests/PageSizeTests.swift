import GRDB
import GRDBSQLite
import Testing
import TestSupport
@testable import Warehouse

/// A warehouse created now has 16 KiB pages (fewer WAL writes per MB); one created before
/// keeps its 4 KiB pages, and both checkpoint at the same WAL size in bytes.
@Suite struct PageSizeTests {
    static func pragmas(_ queue: DatabaseQueue) throws -> (pageSize: Int, autocheckpoint: Int, integrity: String?) {
        try queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0, try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 0,
             try String.fetchOne(db, sql: "PRAGMA integrity_check"))
        }
    }

    @Test func aNewWarehouseHasLargerPages() throws {
        let folder = try TempDir()
        let queue = try WarehouseDatabase.openForWriting(path: folder.path("new.sqlite"))
        let found = try Self.pragmas(queue)
        #expect(found.pageSize == WarehouseDatabase.newFilePageSize)
        #expect(found.autocheckpoint * found.pageSize == WarehouseDatabase.autocheckpointBytes)
        #expect(found.integrity == "ok")
    }

    @Test func anOlderWarehouseKeepsItsPages() throws {
        let folder = try TempDir()
        let path = folder.path("old.sqlite")
        // As billwh made them before: SQLite's default page size, in WAL mode.
        var handle: OpaquePointer?
        #expect(sqlite3_open(path, &handle) == SQLITE_OK)
        #expect(sqlite3_exec(handle, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; "
                             + "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, file_name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(handle)
        let queue = try WarehouseDatabase.openForWriting(path: path)
        let found = try Self.pragmas(queue)
        #expect(found.pageSize == 4096)
        #expect(found.autocheckpoint == WarehouseDatabase.autocheckpointBytes / 4096)
        #expect(found.integrity == "ok")
    }
}
