import Crypto
import Foundation
import GRDB

/// A versioned SQL file from `migrations/`, e.g. `0001_initial.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let fileName: String
    public let sql: String

    public init(fileName: String, sql: String) {
        self.fileName = fileName
        self.sql = sql
        self.version = Int(fileName.prefix(while: \.isNumber)) ?? 0
    }

    /// SHA-256 of the SQL text, recorded when applied: an edited file is then detectable.
    public var checksum: String { sha256Hex(Array(sql.utf8)) }
}

public enum MigrationError: Error, CustomStringConvertible {
    case edited(fileName: String, recorded: String, current: String)
    case unknownApplied(version: Int, fileName: String)
    case failed(fileName: String, underlying: String)
    case anotherProgramsDatabase(table: String)

    public var description: String {
        switch self {
        case let .edited(fileName, recorded, current):
            "migration \(fileName) was already applied with checksum \(recorded.prefix(12)), but the file now has \(current.prefix(12)): applied migrations must not be edited; add a new migration instead"
        case let .unknownApplied(version, fileName):
            "the database has migration \(fileName) (version \(version)) that this billwh does not know: it was written by a newer billwh; use that version"
        case let .failed(fileName, underlying):
            "migration \(fileName) failed and was rolled back: \(underlying)"
        case let .anotherProgramsDatabase(table):
            "the file is another program's SQLite database (it has a table \(table.prefix(60)) and no billwh schema), so billwh leaves it as it is: check --db and BILLWH_DB; the warehouse needs a file of its own"
        }
    }
}

/// Applies migrations in order, each in its own transaction, recording version and checksum.
public enum Migrations {
    public static func migrate(_ writer: some DatabaseWriter, migrations: [Migration] = embedded) throws -> [Migration] {
        try writer.writeWithoutTransaction { db in try migrate(db, migrations: migrations) }
    }

    /// Returns the migrations it applied (empty when the file was up to date).
    public static func migrate(_ db: Database, migrations: [Migration] = embedded) throws -> [Migration] {
        // A mistyped --db naming another program's database must not get billwh's tables added.
        // One statement, one snapshot: another process may be creating schema_migrations meanwhile.
        if let table = try String.fetchOne(db, sql: """
            SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
              AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations') LIMIT 1
            """) {
            throw MigrationError.anotherProgramsDatabase(table: table)
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                file_name  TEXT NOT NULL,
                checksum   TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
        let applied = try Row.fetchAll(db, sql: "SELECT version, file_name, checksum FROM schema_migrations ORDER BY version")
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var appliedVersions = Set<Int>()
        for row in applied {
            let version: Int = row["version"]
            let fileName: String = row["file_name"]
            let checksum: String = row["checksum"]
            guard let migration = known[version] else {
                throw MigrationError.unknownApplied(version: version, fileName: fileName)
            }
            if migration.checksum != checksum {
                throw MigrationError.edited(fileName: migration.fileName, recorded: checksum, current: migration.checksum)
            }
            appliedVersions.insert(version)
        }
        var done: [Migration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !appliedVersions.contains(migration.version) {
            do {
                try db.inTransaction(.immediate) {
                    try db.execute(sql: migration.sql)
                    try db.execute(
                        sql: "INSERT INTO schema_migrations (version, file_name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                        arguments: [migration.version, migration.fileName, migration.checksum, Timestamp.now()])
                    return .commit
                }
            } catch let error as DatabaseError {
                throw MigrationError.failed(fileName: migration.fileName, underlying: error.message ?? "\(error)")
            }
            done.append(migration)
        }
        return done
    }

    /// Reads `NNNN_name.sql` files from a folder (the repository's `migrations/`), in order.
    public static func load(directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") && $0.first?.isNumber == true }
            .sorted()
        return try names.map { name in
            var text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            // The embedded copy is a multi-line literal, which drops one final newline.
            if text.hasSuffix("\n") { text.removeLast() }
            return Migration(fileName: name, sql: text)
        }
    }
}

public func sha256Hex(_ bytes: some DataProtocol) -> String {
    // Hashed where the bytes are: a raw document can be tens of MB.
    hex(SHA256.hash(data: bytes))
}

/// `sha256Hex` of bytes that come in pieces (a response body read back from disk).
public struct ContentHasher {
    private var hasher = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    public func finalize() -> String { hex(hasher.finalize()) }
}

private func hex(_ digest: SHA256.Digest) -> String {
    // Written straight into the string's storage: one per raw document, and a response of
    // small documents has hundreds of thousands.
    digest.withUnsafeBytes { bytes in
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = hexDigits[Int(byte >> 4)]
                out[2 * index + 1] = hexDigits[Int(byte & 0x0f)]
            }
            return bytes.count * 2
        }
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
