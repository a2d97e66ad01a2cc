import Foundation
import GRDB
import TestSupport
import Testing
import Warehouse

/// The background checkpoint copies committed WAL frames into the database file while the
/// writer's connection stays open and its own checkpoints are off.
@Suite struct BackgroundCheckpointTests {
    /// A warehouse whose writer never checkpoints, holding `megabytes` of committed rows that
    /// so far live only in the WAL.
    static func walOnlyWarehouse(_ dir: TempDir, megabytes: Int) throws -> (queue: DatabaseQueue, path: String) {
        let path = dir.path("w.sqlite")
        let queue = try WarehouseDatabase.openForWriting(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE filler (blob BLOB)")
            for _ in 0..<megabytes {
                try db.execute(sql: "INSERT INTO filler VALUES (randomblob(1048576))")
            }
        }
        return (queue, path)
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    @Test func copiesTheWALIntoTheFileOnceEnoughWasWritten() async throws {
        let dir = try TempDir()
        let (queue, path) = try Self.walOnlyWarehouse(dir, megabytes: 4)
        let before = Self.fileSize(path)
        #expect(before < 1 << 20, "the rows are still only in the WAL")
        let checkpoint = try #require(BackgroundCheckpoint(path: path, every: 2 << 20))
        checkpoint.wrote(1 << 20)
        try await Task.sleep(for: .milliseconds(300))
        #expect(Self.fileSize(path) == before, "below the threshold nothing is copied")
        checkpoint.wrote(1 << 20)
        for _ in 0..<500 where Self.fileSize(path) < 4 << 20 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(Self.fileSize(path) >= 4 << 20)
        checkpoint.stop()
        checkpoint.stop()
        // The writer goes on as before, and sees its rows.
        try await queue.write { try $0.execute(sql: "INSERT INTO filler VALUES (x'00')") }
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM filler") } == 5)
    }

    @Test func noFileNoCheckpoint() throws {
        let dir = try TempDir()
        #expect(BackgroundCheckpoint(path: dir.path("missing.sqlite")) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")), "it must not create the file")
    }
}
