import Foundation
import GRDBSQLite

/// Copies the WAL into the database file on a thread and connection of its own while a long
/// write (a backfill) goes on. SQLite's own checkpoint runs on the writer, inside its commit:
/// a 200k-line backfill stopped for 1.4 s at 256 MB of WAL to copy it and wait for the disk
/// (fsync), and 0.95 s more when it closed; with this, 0.22 s and 0.34 s. A PASSIVE checkpoint
/// never blocks the writer nor waits for it; the writer's own checkpoint (`wal_autocheckpoint`)
/// still bounds the WAL's size, and now finds most of it copied already.
public final class BackgroundCheckpoint: @unchecked Sendable {
    /// Checkpoint once this many bytes were written since the last one (a hint, not a count).
    public let every: Int
    private let condition = NSCondition()
    private var written = 0
    private var due = false
    private var stopping = false
    /// Until the thread runs (a failed init still runs deinit, and so `stop()`).
    private var stopped = true
    private var connection: OpaquePointer?

    /// Opens its own connection to the WAL file at `path`; nil if it cannot (the writer's
    /// checkpoints then do all the work, as without this).
    public init?(path: String, every: Int = 8 << 20) {
        self.every = every
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            return nil
        }
        // As the writer's: the checkpoint syncs the WAL and then the database file.
        sqlite3_exec(handle, "PRAGMA synchronous = NORMAL", nil, nil, nil)
        connection = handle
        stopped = false
        let thread = Thread { [self] in run() }
        thread.name = "billwh-checkpoint"
        thread.start()
    }

    deinit { stop() }

    /// One checkpoint at once, for what is in the WAL now (a committed rebuild, while only
    /// reads follow): closing the warehouse then finds little left to copy. `stop()` waits for it.
    public static func once(path: String) -> BackgroundCheckpoint? {
        let checkpoint = BackgroundCheckpoint(path: path)
        checkpoint?.wrote(checkpoint?.every ?? 0)
        return checkpoint
    }

    /// The writer committed about `bytes` more.
    public func wrote(_ bytes: Int) {
        condition.lock()
        written += bytes
        if written >= every {
            written = 0
            due = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Lets a checkpoint under way finish, then closes the connection.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while !due && !stopping { condition.wait() }
            if stopping { break }
            due = false
            condition.unlock()
            var frames: Int32 = 0, copied: Int32 = 0
            // BUSY (another checkpoint under way) or an I/O error: the writer's own checkpoint
            // covers what this one did not.
            _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
            condition.lock()
        }
        sqlite3_close_v2(connection)
        connection = nil
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
