import Foundation
import GRDB
import TestSupport
import Testing
@testable import Warehouse

/// The file-level pieces of backup and restore, without the CLI: names, rotation, what a
/// copy must be to count, and how damage is recognised.
@Suite struct BackupTests {
    func warehouse(_ dir: TempDir, _ name: String = "w.sqlite") throws -> String {
        let path = dir.path(name)
        let queue = try WarehouseDatabase.openForWriting(path: path, access: .ownerDefault)
        try queue.write { db in try db.execute(sql: "INSERT INTO runs (command, pid, started_at) VALUES ('test', 1, '2026-12-01T00:00:00Z')") }
        try queue.close()
        return path
    }

    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// A backup of `path` into `backups` taken `second` seconds after `start`; its path.
    func take(_ path: String, into backups: String, keep: Int, at second: Int) throws -> String {
        try WarehouseBackup.take(databasePath: path, into: backups, keep: keep, access: .ownerDefault,
                                 now: Self.start.addingTimeInterval(Double(second))).path
    }

    @Test func copiesAreNamedByTimeVerifiedAndRotatedPerWarehouse() throws {
        let dir = try TempDir()
        let path = try warehouse(dir)
        let other = try warehouse(dir, "other.sqlite")
        let backups = dir.path("backups")
        let taken = try (0..<4).map { try take(path, into: backups, keep: 2, at: $0) }
        _ = try take(other, into: backups, keep: 2, at: 0)
        #expect((taken[0] as NSString).lastPathComponent == "w-20261130T005320.000Z.sqlite")
        #expect(WarehouseBackup.copies(in: backups, databasePath: path) == [taken[3], taken[2]])
        #expect(WarehouseBackup.copies(in: backups, databasePath: other).count == 1)
        #expect(WarehouseBackup.newest(databasePath: path, directory: nil) == taken[3])
        let recordMode = try FileManager.default.attributesOfItem(atPath: path + ".last-backup")[.posixPermissions] as? Int
        #expect(recordMode == Int(FileAccess.mode))
        // A copy is a single file: no journal beside it, and it opens without the original.
        #expect(!FileManager.default.fileExists(atPath: taken[3] + "-wal"))
        try WarehouseBackup.verify(taken[3])
        let runs = try DatabaseQueue(path: taken[3]).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") }
        #expect(runs == 1)
    }

    /// The default file name and one backup folder for several warehouses: each one's `--keep`
    /// counts and deletes its own copies only.
    @Test func warehousesOfOneFileNameShareAFolderWithoutRotatingEachOthersCopies() throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path("b"), withIntermediateDirectories: true)
        let (first, second) = (try warehouse(dir, "a/billwh.sqlite"), try warehouse(dir, "b/billwh.sqlite"))
        let backups = dir.path("backups")
        let firstCopies = try (0..<2).map { try take(first, into: backups, keep: 2, at: $0) }
        let secondCopies = try (2..<4).map { try take(second, into: backups, keep: 1, at: $0) }
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: backups).map { "\(backups)/\($0)" })
        #expect(left == Set(firstCopies + [secondCopies[1]]))
        #expect(WarehouseBackup.newest(databasePath: second, directory: nil) == secondCopies[1])
        // The first warehouse's own rotation still works.
        let third = try take(first, into: backups, keep: 2, at: 10)
        #expect(!FileManager.default.fileExists(atPath: firstCopies[0]))
        #expect(FileManager.default.fileExists(atPath: firstCopies[1]) && FileManager.default.fileExists(atPath: third))
        #expect(FileManager.default.fileExists(atPath: secondCopies[1]))
    }

    /// Two warehouses of one file name backed up into one folder at once (the same moment
    /// here): each copy holds its own warehouse, under a name of its own; a temporary copy left
    /// by a backup that was killed is removed, a running one's is not.
    @Test func simultaneousBackupsOfNamesakesKeepTheirOwnCopies() async throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path("b"), withIntermediateDirectories: true)
        let (first, second) = (try warehouse(dir, "a/billwh.sqlite"), try warehouse(dir, "b/billwh.sqlite"))
        let backups = dir.path("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let killed = "\(backups)/.billwh.\(dead.processIdentifier).7.partial.sqlite"
        let running = "\(backups)/.billwh.\(getppid()).8.partial.sqlite"
        for leftover in [killed, killed + "-journal", running] { try Data("half".utf8).write(to: URL(fileURLWithPath: leftover)) }

        let copies = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for path in [first, second] {
                group.addTask { (path, try WarehouseBackup.take(databasePath: path, into: backups, keep: 5, access: .ownerDefault, now: Self.start).path) }
            }
            return try await group.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(Set(copies.values).count == 2)
        for (source, copy) in copies {
            let identity = { (path: String) in try DatabaseQueue(path: path).read(WarehouseBackup.identity) }
            #expect(try identity(copy) == identity(source) && identity(source) != nil)
            #expect(WarehouseBackup.newest(databasePath: source, directory: nil) == copy)
        }
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: backups))
        #expect(!left.contains((killed as NSString).lastPathComponent) && !left.contains((killed as NSString).lastPathComponent + "-journal"))
        #expect(left.contains((running as NSString).lastPathComponent))
    }

    @Test func onlyAWholeWarehouseCountsAsACopy() throws {
        let dir = try TempDir()
        let plain = dir.path("plain.sqlite")
        try DatabaseQueue(path: plain).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect(throws: BackupError.self) { try WarehouseBackup.verify(plain) }
        let text = dir.path("text.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: text))
        #expect(throws: BackupError.self) { try WarehouseBackup.verify(text) }
        #expect(throws: RestoreError.self) {
            _ = try WarehouseRestore.restore(from: text, to: dir.path("w.sqlite"), access: .ownerDefault)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("w.sqlite")))
    }

    /// A copy whose vendor bytes no longer match their hash (damage the integrity check cannot
    /// see: it does not read values) is no backup, and is not restored.
    @Test func aCopyWhoseRawBytesChangedIsDamaged() throws {
        let dir = try TempDir()
        let path = try warehouse(dir)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status)
                VALUES (1, 1, 'copaco', 'invoices', 'v1', '2026-10-01', '2026-10-31', 'now', 'now', 'ok');
                INSERT INTO raw_documents (raw_id, vendor, endpoint, endpoint_version, document_key, content_sha256, payload, fetched_at, ingest_id)
                VALUES (1, 'copaco', 'invoices', 'v1', 'INV-1', ?, CAST('{"Header": {}}' AS BLOB), 'now', 1)
                """, arguments: [sha256Hex(Array(#"{"Header": {}}"#.utf8))])
        }
        let copy = try WarehouseBackup.take(databasePath: path, into: dir.path("b"), keep: 1, access: .ownerDefault).path
        try WarehouseBackup.verify(copy)
        try DatabaseQueue(path: copy).write { db in try db.execute(sql: #"UPDATE raw_documents SET payload = CAST('{"Hxader": {}}' AS BLOB)"#) }
        #expect(try DatabaseQueue(path: copy).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        do {
            try WarehouseBackup.verify(copy)
            Issue.record("a copy with changed raw bytes passed")
        } catch {
            #expect("\(error)".contains("raw document 1's bytes no longer match the SHA-256 they were stored with"), "\(error)")
        }
        #expect(throws: RestoreError.self) { _ = try WarehouseRestore.restore(from: copy, to: path, access: .ownerDefault) }
    }

    /// A copy a newer billwh wrote (a migration this one does not know) is not restored: this
    /// billwh could not run on it.
    @Test func aCopyOfANewerBillwhIsNotRestored() throws {
        let dir = try TempDir()
        let path = try warehouse(dir)
        let copy = try WarehouseBackup.take(databasePath: path, into: dir.path("b"), keep: 1, access: .ownerDefault).path
        try DatabaseQueue(path: copy).write { db in
            try db.execute(sql: "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x', 'now')")
        }
        do {
            _ = try WarehouseRestore.restore(from: copy, to: path, access: .ownerDefault)
            Issue.record("a newer billwh's copy was restored")
        } catch {
            #expect("\(error)".contains("a newer billwh wrote it (its migration 9999 is unknown here)"), "\(error)")
        }
        #expect(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT max(version) FROM schema_migrations") } != 9999)
    }

    @Test func restoreKeepsTheOldFileAsideAndGivesANewReplicaIdentity() throws {
        let dir = try TempDir()
        let path = try warehouse(dir)
        let identity = { try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT warehouse_id FROM replica_warehouse") } }
        let before = try identity()
        let copy = try WarehouseBackup.take(databasePath: path, into: dir.path("b"), keep: 1, access: .ownerDefault).path
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "DELETE FROM runs") }
        let outcome = try WarehouseRestore.restore(from: copy, to: path, access: .ownerDefault, now: Date(timeIntervalSince1970: 0))
        #expect(outcome.keptAside == path + ".before-restore-19700101T000000.000Z")
        #expect(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") } == 1)
        #expect(try DatabaseQueue(path: outcome.keptAside!).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") } == 0)
        #expect(try identity() != before)
        // The identity it had is kept among its earlier ones.
        #expect(try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT earlier_ids FROM replica_warehouse") } == before)
    }

    /// Before the old file is moved aside, what the WAL holds is folded into it, so that the
    /// file alone is the whole warehouse (a kill before the new file's rename leaves it at the
    /// path without its WAL); a reader's snapshot that prevents this stops the restore first.
    @Test func restoreFoldsTheWALIntoTheOldFileFirst() throws {
        let dir = try TempDir()
        let path = try warehouse(dir)
        let copy = try WarehouseBackup.take(databasePath: path, into: dir.path("b"), keep: 1, access: .ownerDefault).path
        let writer = try DatabaseQueue(path: path)
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        try writer.write { db in try db.execute(sql: "INSERT INTO runs (command, pid, started_at) VALUES ('late', 2, '2026-12-02T00:00:00Z')") }
        func runsInFileAlone() throws -> Int? {
            let alone = dir.path("alone-\(UUID().uuidString).sqlite")
            try FileManager.default.copyItem(atPath: path, toPath: alone)
            return try DatabaseQueue(path: alone).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") }
        }
        #expect(try runsInFileAlone() == 1, "the committed row is still only in the WAL")

        // A reader in the middle of a read keeps the WAL: nothing changes.
        let reader = try DatabaseQueue(path: path)
        try reader.read { db in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM runs")
            try writer.write { db in try db.execute(sql: "INSERT INTO runs (command, pid, started_at) VALUES ('later', 3, '2026-12-03T00:00:00Z')") }
            #expect(throws: RestoreError.self) {
                _ = try WarehouseRestore.restore(from: copy, to: path, access: .ownerDefault, now: Date(timeIntervalSince1970: 0))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".before-restore-19700101T000000.000Z"))
        #expect(!FileManager.default.fileExists(atPath: path + ".restoring"))
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") } == 3)

        try WarehouseRestore.settle(path)
        #expect(try runsInFileAlone() == 3)
        let outcome = try WarehouseRestore.restore(from: copy, to: path, access: .ownerDefault, now: Date(timeIntervalSince1970: 1))
        let aside = try #require(outcome.keptAside)
        #expect(!FileManager.default.fileExists(atPath: aside + "-wal"))
        #expect(try DatabaseQueue(path: aside).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") } == 3)
        #expect(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") } == 1)
        try writer.close()
        try reader.close()
    }

    @Test func damageIsRecognisedByCodeAndBySQLiteText() {
        let corrupt = DatabaseError(resultCode: .SQLITE_CORRUPT, message: "database disk image is malformed")
        #expect(WarehouseDamaged.detect(corrupt, path: "/w.sqlite", backupDirectory: nil) != nil)
        #expect(WarehouseDamaged.detect(DatabaseError(resultCode: .SQLITE_NOTADB), path: "/w.sqlite", backupDirectory: nil) != nil)
        struct Wrapped: Error, CustomStringConvertible { var description: String { "reading purchases failed: file is not a database" } }
        #expect(WarehouseDamaged.detect(Wrapped(), path: "/w.sqlite", backupDirectory: nil) != nil)
        #expect(WarehouseDamaged.detect(DatabaseError(resultCode: .SQLITE_BUSY), path: "/w.sqlite", backupDirectory: nil) == nil)
        let message = WarehouseDamaged(path: "/w.sqlite", detail: "x", newestBackup: "/b/w-1.sqlite").description
        #expect(message.contains("the warehouse file is damaged: /w.sqlite"))
        #expect(message.contains("billwh restore --from /b/w-1.sqlite --db /w.sqlite"))
    }
}
