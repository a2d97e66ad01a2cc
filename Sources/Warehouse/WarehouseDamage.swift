import Foundation
import GRDB
import GRDBSQLite

/// SQLite found the file itself broken (SQLITE_CORRUPT, SQLITE_NOTADB). Whatever command met
/// it says so in the same words, with the way back: the newest backup and the restore command.
public struct WarehouseDamaged: Error, CustomStringConvertible {
    public var path: String
    public var detail: String
    public var newestBackup: String?

    /// The file does not start with SQLite's header: most likely `--db` names another file,
    /// which a restore onto it would replace.
    public var notSQLite: Bool

    public init(path: String, detail: String, newestBackup: String?) {
        self.path = path
        self.detail = detail
        self.newestBackup = newestBackup
        let file = FileHandle(forReadingAtPath: path)
        let header = (try? file?.read(upToCount: 16)).flatMap { $0 }.map(Array.init) ?? []
        try? file?.close()
        notSQLite = !header.isEmpty && header != Array("SQLite format 3\0".utf8)
    }

    /// The damage in `error`, if that is what it is.
    public static func detect(_ error: any Error, path: String, backupDirectory: String?) -> WarehouseDamaged? {
        guard let detail = damageDetail(error) else { return nil }
        return WarehouseDamaged(path: path, detail: detail,
                                newestBackup: WarehouseBackup.newest(databasePath: path, directory: backupDirectory))
    }

    static func damageDetail(_ error: any Error) -> String? {
        if let error = error as? WarehouseDamaged { return error.detail }
        return sqliteFailure(error, among: [SQLITE_CORRUPT, SQLITE_NOTADB])
    }

    /// The first problems of a check's report; the rest is counted.
    static func summarize(_ problems: [String]) -> String {
        let lines = problems.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("*** in database") }
        let shown = lines.prefix(2).joined(separator: "; ")
        return lines.count > 2 ? "\(shown); and \(lines.count - 2) more problems" : shown
    }

    public var description: String {
        if notSQLite {
            return "\(path) is not a SQLite database (it does not start with SQLite's header): check that --db or BILLWH_DB names the warehouse. "
                + "If it is the warehouse and something overwrote it, restore a backup with `billwh restore --from \(newestBackup ?? "COPY") --db \(path)`"
        }
        var text = "the warehouse file is damaged: \(path) (SQLite: \(detail)). The command stopped there: nothing after that point was written. Stop the jobs that use it"
        if let newestBackup {
            text += "; the newest backup is \(newestBackup). Restore it with `billwh restore --from \(newestBackup) --db \(path)` "
                + "(the damaged file is kept aside), then run `billwh nightly` to fetch again what came after it"
        } else {
            text += "; no backup of it is known (BILLWH_BACKUP_DIR is not set and `billwh backup` never ran for it). "
                + "If you have a copy, `billwh restore --from COPY --db \(path)`; else `sqlite3 \(path) .recover` may save part of it"
        }
        return text
    }
}

extension WarehouseDatabase {
    /// `PRAGMA quick_check`: the file's pages and b-trees are whole (no index-content check).
    /// Throws `WarehouseDamaged` when they are not.
    public static func quickCheck(_ queue: DatabaseQueue, full: Bool = false, backupDirectory: String?) throws {
        let problems: [String]
        do {
            problems = try queue.read { db in try String.fetchAll(db, sql: full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)") }
        } catch {
            throw WarehouseDamaged.detect(error, path: queue.path, backupDirectory: backupDirectory) ?? error
        }
        guard problems == ["ok"] else {
            throw WarehouseDamaged(path: queue.path, detail: "\(full ? "integrity_check" : "quick_check"): \(WarehouseDamaged.summarize(problems))",
                                   newestBackup: WarehouseBackup.newest(databasePath: queue.path, directory: backupDirectory))
        }
    }
}
