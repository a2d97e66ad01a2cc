import Foundation
import GRDB
import TestSupport
import Testing
@testable import Warehouse

@Suite struct MigrationsTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Raw documents and migrations are known by these hashes: FIPS 180-2's examples, whole
    /// and in pieces.
    @Test func contentHashesAreLowerCaseHexSHA256() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var hasher = ContentHasher()
        for piece in ["ab", "", "c"] { Array(piece.utf8).withUnsafeBytes { hasher.update($0) } }
        #expect(hasher.finalize() == sha256Hex(Array("abc".utf8)))
    }

    @Test func embeddedCopyMatchesTheMigrationsFolder() throws {
        let onDisk = try Migrations.load(directory: Self.repoRoot.appendingPathComponent("migrations"))
        #expect(!onDisk.isEmpty)
        #expect(onDisk == Migrations.embedded, "the EmbedMigrations plugin's copy differs from migrations/")
    }

    @Test func appliesOnceAndRecordsChecksums() throws {
        let dir = try TempDir()
        let queue = try WarehouseDatabase.openForWriting(path: dir.path("w.sqlite"))
        let again = try Migrations.migrate(queue)
        #expect(again.isEmpty)
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT version, checksum FROM schema_migrations") }
        #expect(rows.count == Migrations.embedded.count)
        #expect(rows.first?["checksum"] == Migrations.embedded.first?.checksum)
        let tables = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type='table'") }
        for table in ["runs", "ingest_runs", "raw_documents", "documents", "staging_lines", "quarantine", "purchases"] {
            #expect(tables.contains(table))
        }
    }

    /// A migrate stopped half way leaves a file readers would meet as "no such table" in the
    /// middle of a report: it is refused at the door, saying what to run; a backup still takes it.
    @Test func aFileWithMigrationsBehindIsRefusedToReadersInWords() throws {
        let dir = try TempDir()
        let path = dir.path("w.sqlite")
        let queue = try DatabaseQueue(path: path)
        _ = try Migrations.migrate(queue, migrations: Array(Migrations.embedded.prefix(3)))
        try queue.close()
        let current = try #require(Migrations.embedded.map(\.version).max())
        #expect {
            _ = try WarehouseDatabase.openReadOnly(path: path)
        } throws: { error in
            "\(error)".contains("schema version \(Migrations.embedded[2].version)") && "\(error)".contains("reads version \(current)")
                && "\(error)".contains("billwh migrate --db \(path)")
        }
        try WarehouseDatabase.openReadOnly(path: path, anySchema: true).close()
        _ = try WarehouseDatabase.openForWriting(path: path)
        try WarehouseDatabase.openReadOnly(path: path).close()
    }

    @Test func refusesAnEditedAppliedMigration() throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.path("w.sqlite"))
        let first = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x)")]
        _ = try Migrations.migrate(queue, migrations: first)
        let edited = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x, y)")]
        #expect {
            _ = try Migrations.migrate(queue, migrations: edited)
        } throws: { error in
            "\(error)".contains("0001_a.sql") && "\(error)".contains("must not be edited")
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.path("w.sqlite"))
        let bad = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x); CREATE TABLE a (y)")]
        #expect(throws: MigrationError.self) { _ = try Migrations.migrate(queue, migrations: bad) }
        let count = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'a'") }
        #expect(count == 0)
    }

    @Test func createsTheFileReadableByItsGroupOnly() throws {
        let dir = try TempDir()
        let path = dir.path("w.sqlite")
        _ = try WarehouseDatabase.openForWriting(path: path, access: .ownerDefault)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
    }

    /// A warehouse someone opened to every user (`chmod 666`) is narrowed back by the next
    /// writer; a stricter mode the owner chose is kept.
    @Test func aWriterNarrowsAFileOpenToEveryone() throws {
        let dir = try TempDir()
        let path = dir.path("w.sqlite")
        try WarehouseDatabase.openForWriting(path: path, access: .ownerDefault).close()
        func mode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        for (loose, narrowed) in [(0o666, 0o640), (0o604, 0o600), (0o600, 0o600)] {
            #expect(chmod(path, mode_t(loose)) == 0)
            try WarehouseDatabase.openForWriting(path: path, access: .ownerDefault).close()
            #expect(try mode() == narrowed, "\(String(loose, radix: 8))")
        }
    }
}
