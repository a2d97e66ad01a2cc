import Foundation
import Warehouse

package struct LockHeld: Error, CustomStringConvertible {
    package let path: String
    package let holder: String
    package init(path: String, holder: String) {
        self.path = path
        self.holder = holder
    }
    package var description: String {
        "another billwh run holds the lock \(path) (\(holder)); it exits on its own — try again later"
    }
}

/// The lock file cannot be opened at all (a missing folder, no write permission): not a run
/// holding the lock, so not exit 75, which a scheduler reads as "skip this time".
package struct LockUnavailable: Error, CustomStringConvertible {
    package let path: String
    package let reason: String
    package var description: String { Self.describe(path: path, reason: reason, runningAs: geteuid()) }

    static func describe(path: String, reason: String, runningAs user: uid_t) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        // The file is there but another user's (a run started once as root, say): say whose.
        var info = stat()
        if stat(path, &info) == 0, info.st_uid != user {
            let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
            return "cannot open the lock file \(path) (\(reason)): it belongs to \(owner), not to the user running billwh "
                + "(a run started once as \(owner)?); give the warehouse's files back with `chown` to the user that runs billwh, "
                + "or run billwh as \(owner)"
        }
        return "cannot open the lock file \(path) (\(reason)): the warehouse's folder \(folder.isEmpty ? "." : folder) "
            + "must exist and be writable by this user — check --db or BILLWH_DB"
    }
}

/// One writing run at a time per warehouse: an advisory `flock` on `<db>.lock`.
///
/// The kernel drops a flock when its process dies, so the lock of a killed run (even
/// `kill -9`) is free for the next one, while a live holder is always respected.
package final class RunLock: @unchecked Sendable {
    package let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock, or throws `LockHeld` at once, or after `waiting` when that is given
    /// (`waitingFor` is told the holder once, as the wait begins); `LockUnavailable` when the
    /// lock file cannot be opened.
    package static func acquire(databasePath: String, command: String, waiting: Duration = .zero,
                               waitingFor: ((String) -> Void)? = nil) throws -> RunLock {
        let path = canonicalPath(databasePath) + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LockUnavailable(path: path, reason: String(cString: strerror(errno)))
        }
        let deadline = ContinuousClock.now + waiting
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = pread(fd, &buffer, buffer.count, 0)
            let holder = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown holder"
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw LockHeld(path: path, holder: holder)
            }
            if !told { waitingFor?(holder) }
            told = true
            usleep(100_000)
        }
        let note = "pid \(getpid()), \(command), started \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
        return RunLock(path: path, fd: fd)
    }

    /// What the run holding the warehouse's lock wrote in it (pid, command, start), or nil when
    /// no run holds it: for a command that found the file itself locked.
    package static func holder(databasePath: String) -> String? {
        let fd = open(canonicalPath(databasePath) + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock is refused only while a run holds it exclusively.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let note = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // This process's own run is not the other process that kept the file locked.
        return note.isEmpty || note.hasPrefix("pid \(getpid()),") ? nil : note
    }

    package func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

