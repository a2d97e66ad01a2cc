import Foundation
import GRDB
import Ingestion
import Warehouse

extension PipelineRunner {
    /// `billwh backup`: waits for a run in progress to end (up to `waiting`), then copies the
    /// file under the run lock, so that the copy is the state between two runs, never the
    /// middle of one.
    package func backup(to directory: String, keep: Int, waiting: Duration) throws -> WarehouseBackup.Copy {
        // Before the lock: a mistyped --db leaves no lock file beside a warehouse that is not there.
        guard FileManager.default.fileExists(atPath: databasePath) else { throw WarehouseError.missingDatabase(databasePath) }
        let lock = try RunLock.acquire(databasePath: databasePath, command: "backup", waiting: waiting) { [logger] holder in
            logger.info("backup: waiting for the run in progress to end (\(holder))")
        }
        defer { lock.release() }
        return try takeBackup(to: directory, keep: keep)
    }

    func takeBackup(to directory: String, keep: Int) throws -> WarehouseBackup.Copy {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw WarehouseError.missingDatabase(databasePath) }
        let database = try WarehouseDatabase.openReadOnly(path: databasePath)
        try WarehouseDatabase.quickCheck(database, backupDirectory: directory)
        try database.close()
        return try WarehouseBackup.take(databasePath: databasePath, into: directory, keep: keep,
                                        access: settings.fileAccess, progress: progress)
    }

    /// `billwh restore`: refused while a run holds the lock (exit 75); the current file is
    /// kept aside.
    package func restore(from backupPath: String) throws -> WarehouseRestore.Outcome {
        let lock = try RunLock.acquire(databasePath: databasePath, command: "restore")
        defer { lock.release() }
        // Into the file a link names, as the lock is taken on it: replacing the link would
        // leave the real path on the old data, and each path with its own lock.
        return try WarehouseRestore.restore(from: backupPath, to: canonicalPath(databasePath), access: settings.fileAccess)
    }

    /// The nightly hook: after a run that committed (ok or partial: a vendor down for a week
    /// must not stop the backups of what only this file holds), when `BILLWH_BACKUP_DIR` is
    /// set. A backup that fails makes the run partial; a damaged file fails it.
    func backupAfterNightly(_ outcome: RunOutcome, command: String, database: DatabaseQueue, runID: Int64) throws -> RunOutcome {
        // Also after a run every vendor failed: what only this file holds (closed months, CRM
        // links, a week of earlier nights) must not go without a backup while a vendor is down.
        guard let backup = settings.backup else { return outcome }
        do {
            let copy = try takeBackup(to: backup.directory, keep: backup.keep)
            logger.info("\(command): backup \(copy.path) (\(byteCountText(copy.bytes)), verified; the newest \(backup.keep) kept)")
            return outcome
        } catch let damage as WarehouseDamaged {
            // Found by the backup's check of the file: the same message as any command's. The
            // run committed, but on a damaged file it is no success for monitoring (the newest
            // committed run's time), so it is recorded failed where the file still takes that.
            try? database.write { db in
                try db.execute(sql: "UPDATE runs SET outcome = 'failed', summary = summary || ? WHERE run_id = ?",
                               arguments: ["\nthe warehouse file is damaged (found by the backup's check)", runID])
            }
            throw damage
        } catch {
            logger.error("\(command): the backup into \(backup.directory) failed: \(error)")
            let after: RunOutcome = outcome == .failed ? .failed : .partial
            try database.write { db in
                try db.execute(sql: "UPDATE runs SET outcome = ?, summary = summary || ? WHERE run_id = ?",
                               arguments: [after.rawValue, "\nbackup failed: \(error)", runID])
            }
            return after
        }
    }
}
