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

    /// 0016 names what each quarantined item is, from the wording its reason had until then,
    /// and keeps every row's bytes; the payload ends the row (a zeroblob is filled in place only
    /// there).
    @Test func quarantineKindsComeFromTheOldReasons() throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.path("w.sqlite"))
        let before = Migrations.embedded.filter { $0.version < 16 }
        _ = try Migrations.migrate(queue, migrations: before)
        let reasons = [
            "Customers[0]: expected an object, got a string",
            "Header.InvoiceID INV-1: a second, different document under the same key in one response; the first one is kept",
            "the document holds this request's credentials (redacted in this copy): the vendor, or a proxy, writes it",
            "whole response: the response is not a JSON object (credentials in it redacted)",
            "whole response: a single document of more than 512 MiB",
        ]
        try queue.write { db in
            try db.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (1, 'nightly', 1, '2026-12-01T00:00:00Z')")
            try db.execute(sql: """
                INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status)
                VALUES (1, 1, 'copaco', 'invoices', 'v1', '2026-11-01', '2026-11-30', '2026-12-01T00:00:00Z', '2026-12-01T00:00:01Z', 'partial')
                """)
            for (number, reason) in reasons.enumerated() {
                try db.execute(sql: """
                    INSERT INTO quarantine (vendor, endpoint, reason, content_sha256, payload, first_seen_at, last_seen_at, ingest_id)
                    VALUES ('copaco', 'invoices', ?, ?, ?, 'a', 'b', 1)
                    """, arguments: [reason, "hash\(number)", Data("bytes \(number)".utf8)])
            }
        }
        _ = try Migrations.migrate(queue)
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT kind, reason, payload FROM quarantine ORDER BY quarantine_id") }
        #expect(rows.map { $0["kind"] as String } == ["rejected", "duplicate_key", "redacted", "redacted", "rejected"])
        #expect(rows.map { $0["reason"] as String } == reasons)
        #expect(rows.enumerated().allSatisfy { $1["payload"] == Data("bytes \($0)".utf8) })
        let columns = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('quarantine') ORDER BY cid") }
        #expect(columns.last == "payload")
        try queue.read { db in try db.execute(sql: "PRAGMA foreign_key_check") }
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
