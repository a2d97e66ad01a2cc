import Foundation
import GRDB

/// Puts a backup in the warehouse's place: the copy is verified first, the current file is
/// kept aside under a dated name, and the swap is one `rename`, so the warehouse path always
/// names either the old file or the restored one. The caller holds the run lock.
public enum WarehouseRestore {
    public struct Outcome: Sendable {
        /// Where the file that was in place now is (nil when there was none).
        public var keptAside: String?
        /// The backup was of another warehouse than the file it replaced (their ids share no
        /// lineage): the replica and the backup folder tell warehouses apart by that id.
        public var ofAnotherWarehouse = false
    }

    public static func restore(from backupPath: String, to databasePath: String, access: FileAccess,
                               now: Date = Date()) throws -> Outcome {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: backupPath, isDirectory: &isFolder) else { throw RestoreError.missing(backupPath) }
        if isFolder.boolValue { throw RestoreError.folder(backupPath) }
        do { try WarehouseBackup.verify(backupPath) } catch let error as BackupError {
            throw RestoreError.unusable(backupPath, error)
        }
        // A copy a newer billwh wrote would leave this one unable to run on the warehouse.
        let known = Set(Migrations.embedded.map(\.version))
        let (applied, backupIDs) = try WarehouseBackup.openCopy(backupPath).read { db in
            (try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations"), try? WarehouseBackup.identities(db))
        }
        if let unknown = applied.filter({ !known.contains($0) }).max() { throw RestoreError.newer(backupPath, migration: unknown) }
        let incoming = databasePath + ".restoring"
        try? FileManager.default.removeItem(atPath: incoming)
        InterruptCleanup.register(incoming)
        defer { InterruptCleanup.unregister(incoming) }
        do {
            let source = try WarehouseBackup.openCopy(backupPath)
            try WarehouseBackup.copy(from: source, to: incoming, access: access, progress: nil)
            try source.close()
            try WarehouseBackup.syncFile(incoming)
        } catch {
            try? FileManager.default.removeItem(atPath: incoming)
            throw error
        }
        var keptAside: String?
        let ofAnotherWarehouse = Self.ofAnotherWarehouse(backupIDs, replacing: databasePath)
        if FileManager.default.fileExists(atPath: databasePath) {
            do { try settle(databasePath) } catch {
                try? FileManager.default.removeItem(atPath: incoming)
                throw error
            }
            let aside = "\(databasePath).before-restore-\(WarehouseBackup.timestamp(now))"
            // A hard link keeps the old file under its new name while the path still names it.
            if link(databasePath, aside) != 0 {
                try FileManager.default.copyItem(atPath: databasePath, toPath: aside)
            }
            // Settled, the old file is whole without its WAL: the empty WAL and the index of
            // it go, so that neither pairs with the restored file nor with the kept one.
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
            keptAside = aside
        }
        guard rename(incoming, databasePath) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: incoming)
            throw BackupError.io(databasePath, reason)
        }
        WarehouseBackup.syncDirectory((databasePath as NSString).deletingLastPathComponent.isEmpty
                                      ? "." : (databasePath as NSString).deletingLastPathComponent)
        try giveNewIdentity(databasePath)
        return Outcome(keptAside: keptAside, ofAnotherWarehouse: ofAnotherWarehouse)
    }

    /// Whether the backup's ids (its current one and those before restores) and the file's have
    /// none in common. False when either cannot be read (a damaged file in place, an old copy).
    static func ofAnotherWarehouse(_ backupIDs: Set<String>?, replacing databasePath: String) -> Bool {
        guard let backup = backupIDs, FileManager.default.fileExists(atPath: databasePath),
              let current = try? WarehouseBackup.openCopy(databasePath).read({ try WarehouseBackup.identities($0) }) else { return false }
        return backup.isDisjoint(with: current)
    }

    /// Makes the live file whole on its own: a crashed transaction's journal is rolled back,
    /// and every committed page in the WAL is copied into the file and the WAL emptied. A kill
    /// between moving the old file aside and renaming the new one into place then leaves the
    /// old warehouse at the path with nothing of it lost. Throws when a reader's snapshot
    /// keeps the WAL from being emptied: nothing has changed then.
    static func settle(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let done = try queue.writeWithoutTransaction { db -> Bool in
            guard try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" else { return true }
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return row?[0] as Int? == 0
        }
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int64) ?? 0
        guard done, walBytes == 0 else { throw RestoreError.busy(path) }
    }

    /// A PostgreSQL replica made from the file as it was before must not take the restored,
    /// older file for the same one and apply changes on top: a new identity makes it copy whole.
    /// The one it replaces is kept among its earlier ones (migration 0017), by which replicate
    /// and backup rotation still know it as this warehouse.
    static func giveNewIdentity(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.write { db in
            guard try db.tableExists("replica_warehouse") else { return }
            // A backup made before 0017 has no lineage yet: the next migration starts it empty.
            let lineage = try WarehouseBackup.hasLineage(db) ? "earlier_ids = ltrim(earlier_ids || ' ' || warehouse_id), " : ""
            try db.execute(sql: "UPDATE replica_warehouse SET \(lineage)warehouse_id = lower(hex(randomblob(16)))")
        }
    }
}

public enum RestoreError: Error, CustomStringConvertible {
    case missing(String)
    case folder(String)
    case unusable(String, BackupError)
    case busy(String)
    case newer(String, migration: Int)

    public var description: String {
        switch self {
        case .missing(let path): "no backup at \(path): `ls` the backup folder (BILLWH_BACKUP_DIR) for the copies billwh made"
        case .folder(let path): "\(path) is a folder: --from names one copy in it (`ls \(path)`; the newest sorts last), nothing was changed"
        case .unusable(let path, .damaged(_, let problems)):
            "\(path) cannot be restored, nothing was changed: it fails SQLite's integrity check (\(problems)); restore an older backup (`ls -t` the backup folder)"
        case .unusable(let path, let error): "\(path) cannot be restored, nothing was changed: \(error)"
        case let .newer(path, migration):
            "\(path) cannot be restored by this billwh, nothing was changed: a newer billwh wrote it (its migration \(migration) is unknown here); restore it with that billwh"
        case .busy(let path):
            "\(path) is being read (billwh serve, a query, a BI tool): its last changes could not be folded into the file, so nothing was changed. Stop the readers, then restore again"
        }
    }
}
