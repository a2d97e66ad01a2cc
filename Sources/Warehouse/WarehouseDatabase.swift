import Foundation
import GRDB

public enum WarehouseError: Error, CustomStringConvertible {
    case missingDatabase(String)
    case notAWarehouse(String)
    case cannotCreate(String, String)
    case needsRecovery(String)
    /// A WAL-mode file without its `-wal`/`-shm` beside it, in a folder this user may not write.
    case companionsMissing(String)
    /// Fewer migrations applied than this billwh has: a stopped `migrate`, or an older billwh's file.
    case schemaBehind(String, applied: Int, current: Int)
    /// The file has other names (hard links): SQLite finds the WAL, and billwh its run lock, by
    /// name, so two runs through two names would write one file through two WALs.
    case severalNames(String, links: Int)

    public var description: String {
        switch self {
        case .needsRecovery(let path):
            "\(path) was left mid-write by a run that was stopped, and only a user who may write the file can finish rolling it back: run `billwh nightly` (or `billwh migrate --db \(path)`) as the job's user, then read it again"
        case .companionsMissing(let path):
            "\(path) cannot be read by this user: its companion files \(path)-wal and \(path)-shm are missing (a copy of the file alone?), and SQLite must create them in a folder this user may not write. Open it once as a user who may write there (e.g. `billwh status --db \(path)` as the job's user: billwh keeps them from then on), or copy the file into a folder you may write"
        case .missingDatabase(let path): "no warehouse at \(path): run `billwh migrate --db \(path)` or `billwh nightly` first, or pass --db"
        case .notAWarehouse(let path):
            "\(path) is not a billwh warehouse (an empty file, or another program's SQLite database): check --db and BILLWH_DB; an empty file becomes one with `billwh migrate --db \(path)`"
        case .cannotCreate(let path, let reason): "cannot create the warehouse file \(path): \(reason)"
        case let .severalNames(path, links):
            "\(path) is one file with \(links) names (hard links): SQLite keeps its write-ahead log, and billwh its run lock, per name, so runs through two names would corrupt it. Nothing was written. Give it one name: remove the other links (`find / -xdev -samefile \(path)` lists them; a `.before-restore-…` file left by a stopped `billwh restore` is one), or replace it by a copy"
        case let .schemaBehind(path, applied, current):
            "\(path) has schema version \(applied), and this billwh reads version \(current) (a migrate that was stopped, a file of an older billwh, or a migrate running now): run `billwh migrate --db \(path)` as the job's user, then read it again"
        }
    }
}

/// Opening the warehouse file the same way everywhere: 0640 with the readers' group, WAL, foreign keys.
public enum WarehouseDatabase {
    /// `--db`, else `$BILLWH_DB`, else `./billwh.sqlite` (the README's Configuration).
    public static func resolvePath(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return literalFile(option) }
        if let env = environment["BILLWH_DB"], !env.isEmpty { return literalFile(env) }
        return "billwh.sqlite"
    }

    /// The path as a file name: SQLite reads `:memory:` as a database that vanishes with the
    /// process and `file:…` as a URI (`?mode=memory`, another file), and a run into either
    /// would report success and keep nothing, or write past the lock and the file's mode.
    static func literalFile(_ path: String) -> String {
        path == ":memory:" || path.hasPrefix("file:") ? "./" + path : path
    }

    /// The page size of a warehouse file created now (older files keep theirs).
    public static let newFilePageSize = 16384
    /// The WAL's size at which the writer checkpoints (`wal_autocheckpoint`, in pages).
    static let autocheckpointBytes = 256 << 20

    /// Opens (creating if needed) and migrates: every command that writes goes through here.
    /// `access` defaults to `BILLWH_FILE_GROUP`'s.
    public static func openForWriting(path: String, access: FileAccess? = nil) throws -> DatabaseQueue {
        try openMigrating(path: path, access: access).queue
    }

    /// `openForWriting`, with the migrations this open applied (empty when the file was up to date).
    public static func openMigrating(path: String, access: FileAccess? = nil) throws -> (queue: DatabaseQueue, applied: [Migration]) {
        let access = try access ?? FileAccess.from()
        do {
            if try !access.create(path), let was = access.narrow(path) {
                let warning = "billwh: warning: \(path) had mode \(String(was, radix: 8)), which lets users other than billwh's and its readers' group "
                    + "read or change it; billwh set it to \(String(was & FileAccess.mode, radix: 8))\n"
                _ = warning.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            }
        } catch let error as FileAccessError {
            throw WarehouseError.cannotCreate(path, "\(error)")
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_nlink > 1 { throw WarehouseError.severalNames(path, links: Int(info.st_nlink)) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // A new file gets 16 KiB pages (SQLite's default is 4): the WAL is written one
            // page per system call, twice with its frame header, and a backfill's raw payloads
            // and lines are hundreds of MB. Ignored for a file that has pages already.
            try db.execute(sql: "PRAGMA page_size = \(Self.newFilePageSize)")
            // Switching a fresh file to WAL needs it to itself, and SQLite answers BUSY at once
            // (no busy handler) while another process opens it too: wait a little for it.
            var attempts = 0
            while true {
                do {
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                    break
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempts < 500 {
                    attempts += 1
                    usleep(10_000)
                }
            }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // One window's transaction writes tens of MB (raw payloads, lines, five indexes);
            // with the default 2 MB cache SQLite spills dirty pages to the WAL again and again
            // (7.3 GB written for a 1.4 GB file in the 1M-line benchmark). 20 MB keeps most
            // of a window's index pages in memory and the peak RSS of a 1M ingest under 150 MB
            // (32 MB did until decoding moved to its own thread: 154 MB; 20 MB: 136 MB).
            try db.execute(sql: "PRAGMA cache_size = -20480")
            // Checkpoint every 256 MB of WAL rather than every 4 MB: an index page that each
            // window's commit rewrites is then copied into the database once per checkpoint,
            // not once per window (1M-line backfill: 53 s at 64 MB, 48 s at 256 MB). The WAL
            // goes when the run ends.
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.autocheckpointBytes / pageSize)")
        }
        let queue = try DatabaseQueue(path: path, configuration: config)
        // SQLite gives the WAL and shared-memory files the database's mode but the process's
        // group; readers in the group need both.
        if access.groupID != nil {
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try? access.apply(to: path + suffix)
            }
        }
        return (queue, try migrateRacingOthers(queue))
    }

    /// Leaves the -wal and -shm beside a WAL-mode warehouse once its writers are done: the last
    /// writer to close deletes them, and a reader who may not write the folder (analysts, in the
    /// 2750 folder operations.md sets up) can neither create them nor open the file without
    /// them. A read-only connection creates them and, unable to checkpoint, leaves them.
    public static func leaveCompanionsForReaders(path: String, access: FileAccess? = nil) {
        guard FileManager.default.fileExists(atPath: path),
              !FileManager.default.fileExists(atPath: path + "-wal") || !FileManager.default.fileExists(atPath: path + "-shm"),
              let queue = try? openReadOnly(path: path, busyTimeout: 1, anySchema: true) else { return }
        _ = try? queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        try? queue.close()
        guard let access = try? access ?? FileAccess.from() else { return }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try? access.apply(to: path + suffix)
        }
    }

    /// Commands that write without the run lock (`migrate`, `query --write`) may open the file
    /// at the same moment as `nightly`. The migrator reads what is applied, then applies the
    /// rest one transaction each; another process may apply one in between, and ours then fails
    /// (e.g. "table runs already exists") and is rolled back. Looking again settles it: what
    /// the other applied is now recorded. A migration that fails on its own fails every time.
    static func migrateRacingOthers(_ queue: DatabaseQueue) throws -> [Migration] {
        var attempt = 0
        while true {
            do {
                return try Migrations.migrate(queue)
            } catch let error as MigrationError {
                guard case .failed = error, attempt < 3 else { throw error }
                attempt += 1
            }
        }
    }

    /// Opens an existing warehouse without the right to change it (analysts' default).
    /// `busyTimeout`: how long to wait for a writer that has the file to itself (a first load).
    /// `anySchema`: also a file whose migrations are behind (a backup copies it as it is);
    /// otherwise such a file is refused in words, not met by "no such table" half way.
    public static func openReadOnly(path: String, busyTimeout: TimeInterval = 10, anySchema: Bool = false) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw WarehouseError.missingDatabase(path) }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        let queue = try openExisting(path: path, configuration: config)
        let applied = try queue.read { db in
            try db.tableExists("schema_migrations") ? try Int.fetchOne(db, sql: "SELECT max(version) FROM schema_migrations") ?? 0 : nil
        }
        guard let applied else {
            try? queue.close()
            throw WarehouseError.notAWarehouse(path)
        }
        let current = Migrations.embedded.map(\.version).max() ?? 0
        guard anySchema || applied >= current else {
            try? queue.close()
            throw WarehouseError.schemaBehind(path, applied: applied, current: current)
        }
        return queue
    }

    static func openExisting(path: String, configuration config: Configuration) throws -> DatabaseQueue {
        do {
            return try DatabaseQueue(path: path, configuration: config)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            // A writer stopped mid-transaction (killed, power cut) leaves a hot journal or a WAL
            // that only a writable connection may recover. Opening one recovers the file;
            // then it is opened read-only as asked.
            guard FileManager.default.isWritableFile(atPath: path) else {
                let companions = [path + "-wal", path + "-shm"].allSatisfy { FileManager.default.fileExists(atPath: $0) }
                    || FileManager.default.fileExists(atPath: path + "-journal")
                throw companions ? WarehouseError.needsRecovery(path) : WarehouseError.companionsMissing(path)
            }
            var recovery = Configuration()
            recovery.busyMode = .timeout(10)
            try DatabaseQueue(path: path, configuration: recovery).read { _ = try Row.fetchOne($0, sql: "SELECT 1 FROM sqlite_schema LIMIT 1") }
            return try DatabaseQueue(path: path, configuration: config)
        }
    }
}
