import Foundation
import GRDB

/// A verified copy of the warehouse file, taken online with SQLite's backup API.
///
/// The copy is read inside one read transaction, so it is one committed state of the file
/// whatever else writes meanwhile. It is written under a temporary name, checked with
/// `PRAGMA integrity_check`, fsynced, and only then given its final name.
public enum WarehouseBackup {
    public struct Copy: Sendable {
        public var path: String
        public var bytes: Int64
    }

    /// Copies `databasePath` into `directory` as `<name>-<UTC time>.sqlite` and keeps the newest
    /// `keep` copies of this warehouse there (older ones are deleted).
    public static func take(databasePath: String, into directory: String, keep: Int, access: FileAccess,
                            now: Date = Date(), progress: ((String) -> Void)? = nil) throws -> Copy {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw WarehouseError.missingDatabase(databasePath) }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), !isFolder.boolValue {
            throw BackupError.io(directory, "it is a file, not a folder; --to (or BILLWH_BACKUP_DIR) names the folder the copies go into")
        }
        let created = !FileManager.default.fileExists(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw BackupError.io(directory, "cannot create the folder (\((error as NSError).localizedDescription))")
        }
        // The readers' group may enter a folder billwh made, as it may read the copies in it.
        if created, let group = access.groupID { _ = chown(directory, uid_t.max, group) }
        let stem = Self.stem(of: databasePath)
        // Each backup's own temporary name: two warehouses of one file name may share the
        // folder, and a copy must never be finished under the other one's name.
        removeLeftovers(directory: directory, stem: stem)
        let partial = (directory as NSString).appendingPathComponent(".\(stem).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial.sqlite")
        InterruptCleanup.register(partial)
        defer { InterruptCleanup.unregister(partial) }
        var identity: Set<String>?
        let finalPath: String
        do {
            let source = try WarehouseDatabase.openReadOnly(path: databasePath, anySchema: true)
            identity = try source.read(Self.identities)
            try copy(from: source, to: partial, access: access, progress: progress)
            try source.close()
            try verify(partial)
            try syncFile(partial)
            finalPath = try placeUnderFreeName(partial, directory: directory, stem: stem, now: now)
            syncDirectory(directory)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        try rotate(directory: directory, stem: stem, keep: keep, identity: identity)
        recordNewest(finalPath, databasePath: databasePath, access: access)
        let size = (try? FileManager.default.attributesOfItem(atPath: finalPath)[.size] as? Int64) ?? 0
        return Copy(path: finalPath, bytes: size)
    }

    /// Copies a database into a new single file (rollback journal, so nothing lives beside it).
    static func copy(from source: DatabaseQueue, to path: String, access: FileAccess, progress: ((String) -> Void)?) throws {
        try access.create(path)
        let destination = try DatabaseQueue(path: path)
        defer { try? destination.close() }
        do {
            // 16 MB per step: progress on large files, and one read transaction keeps the copy a
            // single snapshot across the steps.
            try source.backup(to: destination, pagesPerStep: 4096) { step in
                guard let progress, step.totalPageCount > 0 else { return }
                progress("backup: \(Int(step.completedPageCount * 100 / step.totalPageCount))% of \(step.totalPageCount) pages")
            }
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_FULL {
            // The backup API reports a full disk by its code alone ("not an error" as message).
            try? destination.close()
            try? FileManager.default.removeItem(atPath: path + "-journal")
            let size = (try? source.read { db in try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size") }) ?? nil
            throw BackupError.io(path, "the disk is full\(size.map { "; the copy needs about \(byteCountText($0)) free there" } ?? "")")
        }
    }

    /// `PRAGMA integrity_check` says "ok", and the file is a billwh warehouse.
    public static func verify(_ path: String) throws {
        let queue: DatabaseQueue
        do { queue = try openCopy(path) } catch { throw BackupError.damaged(path, "\(error)") }
        defer { try? queue.close() }
        let problems: [String]
        do {
            problems = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(20)") }
        } catch {
            throw BackupError.damaged(path, "\(error)")
        }
        guard problems == ["ok"] else { throw BackupError.damaged(path, problems.joined(separator: "; ")) }
        let isWarehouse = try queue.read { db in try db.tableExists("schema_migrations") && db.tableExists("runs") }
        guard isWarehouse else { throw BackupError.notAWarehouse(path) }
        // The integrity check does not look inside values: the vendors' bytes, which only this
        // file holds, are checked against the hash they were stored under.
        let damaged = try queue.read { db -> Int64? in
            guard try db.tableExists("raw_documents") else { return nil }
            let rows = try Row.fetchCursor(db, sql: "SELECT raw_id, content_sha256, payload FROM raw_documents ORDER BY raw_id")
            while let row = try rows.next() {
                let payload: Data = row["payload"] ?? Data()
                if sha256Hex(payload) != row["content_sha256"] as String? { return row["raw_id"] }
            }
            return nil
        }
        if let damaged { throw BackupError.damaged(path, "raw document \(damaged)'s bytes no longer match the SHA-256 they were stored with") }
    }

    /// This warehouse's copies in `directory`, newest first.
    public static func copies(in directory: String, databasePath: String) -> [String] {
        let stem = Self.stem(of: databasePath)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { isCopyName($0, stem: stem) }.sorted(by: >).map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The newest copy known: in the configured folder, else the one the last backup recorded
    /// beside the warehouse (`<db>.last-backup`), provided it still exists.
    public static func newest(databasePath: String, directory: String?) -> String? {
        if let directory, let first = copies(in: directory, databasePath: databasePath).first { return first }
        guard let recorded = try? String(contentsOfFile: databasePath + ".last-backup", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !recorded.isEmpty,
              FileManager.default.fileExists(atPath: recorded) else { return nil }
        return recorded
    }

    /// Deletes all but the newest `keep` copies that carry `identity`: two warehouses of the same
    /// file name may share the folder, and neither may rotate the other's copies away. Without
    /// an identity (a warehouse from before it had one) the name alone decides.
    /// Gives the finished copy its dated name, never replacing a copy there (another
    /// warehouse's of the same file name, taken in the same millisecond): a link fails where a
    /// rename would replace.
    static func placeUnderFreeName(_ partial: String, directory: String, stem: String, now: Date) throws -> String {
        for step in 0..<100 {
            let candidate = (directory as NSString).appendingPathComponent("\(stem)-\(timestamp(now.addingTimeInterval(Double(step) / 1000))).sqlite")
            if link(partial, candidate) == 0 {
                unlink(partial)
                return candidate
            }
            let code = errno
            if code == EEXIST { continue }
            // A file system without hard links (some network shares): a rename, after a look.
            guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == ENOSYS else {
                throw BackupError.io(candidate, String(cString: strerror(code)))
            }
            if FileManager.default.fileExists(atPath: candidate) { continue }
            guard rename(partial, candidate) == 0 else { throw BackupError.io(candidate, String(cString: strerror(errno))) }
            return candidate
        }
        throw BackupError.io(directory, "no free name for the copy: 100 copies of \(stem) within a tenth of a second")
    }

    /// The temporary copies (and their journals) of backups whose process is gone: killed
    /// before the copy was finished, they would stay forever. A live backup's are left alone.
    static func removeLeftovers(directory: String, stem: String) {
        let prefix = ".\(stem)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && (name.hasSuffix(".partial.sqlite") || name.hasSuffix(".partial.sqlite-journal")) {
            let middle = name.dropFirst(prefix.count).split(separator: ".")
            guard middle.count >= 3, let pid = pid_t(middle[0]), pid > 0, UInt32(middle[1]) != nil else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
            }
        }
    }

    /// `identity`: the warehouse's identities, its current one and those it had before a
    /// restore; a copy of any of them is one of its own.
    static func rotate(directory: String, stem: String, keep: Int, identity: Set<String>?) throws {
        var mine = copies(in: directory, databasePath: stem)
        if let identity {
            mine = mine.filter { copy in
                guard let queue = try? openCopy(copy) else { return false }
                defer { try? queue.close() }
                return (try? queue.read(Self.identity)).flatMap { $0 }.map(identity.contains) == true
            }
        }
        for old in mine.dropFirst(max(keep, 1)) {
            try FileManager.default.removeItem(atPath: old)
        }
    }

    /// A copy opened read-only: a single file, with no journal to recover.
    static func openCopy(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// The warehouse's random id (`replica_warehouse`, made by its first migration to have it),
    /// which every copy of it carries; a restore gives the restored file a new one.
    static func identity(_ db: Database) throws -> String? {
        guard try db.tableExists("replica_warehouse") else { return nil }
        return try String.fetchOne(db, sql: "SELECT warehouse_id FROM replica_warehouse")
    }

    /// `identity` and the identities the warehouse had before a restore (`earlier_ids`).
    static func identities(_ db: Database) throws -> Set<String>? {
        guard let current = try identity(db) else { return nil }
        guard try hasLineage(db) else { return [current] }
        return earlierIDs(try String.fetchOne(db, sql: "SELECT earlier_ids FROM replica_warehouse")).union([current])
    }

    /// The identities in `replica_warehouse.earlier_ids` (separated by spaces, as restore
    /// appends them).
    public static func earlierIDs(_ text: String?) -> Set<String> {
        Set((text ?? "").split(separator: " ").map(String.init))
    }

    /// Whether the file keeps the identities it had before restores (migration 0017; a copy
    /// made before it does not).
    static func hasLineage(_ db: Database) throws -> Bool {
        try db.columns(in: "replica_warehouse").contains { $0.name == "earlier_ids" }
    }

    static func recordNewest(_ copy: String, databasePath: String, access: FileAccess) {
        let absolute = copy.hasPrefix("/") ? copy : FileManager.default.currentDirectoryPath + "/" + copy
        let record = databasePath + ".last-backup"
        try? Data((absolute + "\n").utf8).write(to: URL(fileURLWithPath: record), options: .atomic)
        try? access.apply(to: record)
    }

    static func stem(of databasePath: String) -> String {
        let name = (databasePath as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        return stem.isEmpty ? name : stem
    }

    /// `<stem>-YYYYMMDDTHHMMSS.mmmZ.sqlite`: sorts by time, and two copies in one second differ.
    static func isCopyName(_ name: String, stem: String) -> Bool {
        guard name.hasPrefix(stem + "-"), name.hasSuffix("Z.sqlite") else { return false }
        let time = name.dropFirst(stem.count + 1).dropLast(".sqlite".count)
        return time.count == 20 && time.allSatisfy { $0.isNumber || $0 == "T" || $0 == "." || $0 == "Z" }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter.string(from: date)
    }

    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw BackupError.io(path, String(cString: strerror(errno))) }
    }

    /// A rename is durable once its folder is synced.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

public enum BackupError: Error, CustomStringConvertible {
    case damaged(String, String)
    case notAWarehouse(String)
    case io(String, String)

    public var description: String {
        switch self {
        case .damaged(let path, let problems):
            "the copy \(path) failed its integrity check (\(problems)); it was not kept. Check the disk, then take the backup again"
        case .notAWarehouse(let path):
            "\(path) is an SQLite file but not a billwh warehouse (no schema_migrations or runs table)"
        case .io(let path, let reason):
            "cannot write \(path): \(reason)"
        }
    }
}
