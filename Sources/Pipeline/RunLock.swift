import Foundation

package struct LockHeld: Error, CustomStringConvertible {
    package let path: String
    package let holder: String
    package var description: String {
        "another billwh run holds the lock \(path) (\(holder)); it exits on its own — try again later"
    }
}

/// The lock file cannot be opened at all (a missing folder, no write permission): not a run
/// holding the lock, so not exit 75, which a scheduler reads as "skip this time".
package struct LockUnavailable: Error, CustomStringConvertible {
    package let path: String
    package let reason: String
    package var description: String {
        let folder = (path as NSString).deletingLastPathComponent
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
        let path = canonical(databasePath) + ".lock"
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
        let fd = open(canonical(databasePath) + ".lock", O_RDONLY | O_CLOEXEC)
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

/// The file a path names, symlinks resolved (also one to a file not made yet, whose folder is
/// resolved): one warehouse reached through a symlink must take the same lock as through its
/// own name, as SQLite itself follows the link to find the file's journal.
func canonical(_ path: String) -> String {
    var path = path
    var info = stat()
    // A dangling link (the warehouse not created yet) is followed by hand: realpath refuses it.
    for _ in 0..<40 where lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &target, target.count - 1)
        guard count > 0 else { break }
        let destination = String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        path = destination.hasPrefix("/") ? destination
            : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
    }
    let folder = (path as NSString).deletingLastPathComponent
    guard let resolved = realpath(folder.isEmpty ? "." : folder, nil) else { return path }
    defer { free(resolved) }
    return (String(cString: resolved) as NSString).appendingPathComponent((path as NSString).lastPathComponent)
}
