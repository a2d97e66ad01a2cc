import Foundation
import GRDB
import TestSupport
import Testing
@testable import Warehouse

@Suite struct MigrationsTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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
}
