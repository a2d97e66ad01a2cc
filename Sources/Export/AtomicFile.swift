#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Warehouse

/// A file that appears at its path only once it is complete.
///
/// Bytes go to a hidden temporary file in the destination's folder (same file system, so the
/// final `rename(2)` is atomic); `commit()` flushes it to disk and renames it over the
/// destination, `abandon()` deletes it. A failed export therefore leaves neither half a file
/// nor a temporary file, and an existing destination is replaced only on success. A writer
/// interrupted by a signal removes it (InterruptCleanup); one killed outright cannot: the next one for the same destination removes
/// the temporary files of writers that no longer run.
///
/// A destination that exists and is not a regular file (`/dev/null`, a FIFO, a terminal) is
/// written directly: there is nothing to replace atomically.
package final class AtomicFile {
    package let path: String
    /// The file `path` names once symbolic links are followed: the one replaced. Replacing the
    /// link itself would leave whatever reads the link's target on the old file.
    package let target: String
    package let fileDescriptor: Int32
    /// nil when writing straight into a special file.
    package let temporaryPath: String?
    private var finished = false

    /// Opens the temporary file, or fails at once with an error naming `path`. A new file gets
    /// `fileAccess` (default: 0640 and `BILLWH_FILE_GROUP`'s group), like the warehouse it comes
    /// from; an unknown group is refused, as every command refuses it.
    package init(path: String, fileAccess: FileAccess? = nil) throws(OutputError) {
        self.path = path
        func failure(_ reason: String) -> OutputError { OutputError(destination: path, reason: reason) }
        guard !path.isEmpty else { throw failure("empty path") }
        let newFileAccess: FileAccess
        do { newFileAccess = try fileAccess ?? FileAccess.from() } catch { throw failure("\(error)") }

        var info = stat()
        let exists = stat(path, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw failure("it is a directory") }
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
            fileDescriptor = fd
            temporaryPath = nil
            target = path
            return
        }
        let target = canonicalPath(path)
        self.target = target
        if exists && access(target, W_OK) != 0 {
            throw failure("the existing file is not writable (\(String(cString: strerror(errno))))")
        }
        if exists, let kind = Self.databaseKind(target) {
            throw failure("it is \(kind): an export or report never replaces one; give another file name")
        }

        let slash = target.lastIndex(of: "/")
        let directory = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var directoryInfo = stat()
        guard stat(directory, &directoryInfo) == 0 else {
            throw failure("its folder \(directory) does not exist or cannot be reached (\(String(cString: strerror(errno))))")
        }
        guard (directoryInfo.st_mode & S_IFMT) == S_IFDIR else { throw failure("\(directory) is not a folder") }

        Self.removeLeftovers(directory: directory, name: name)
        var attempt = 0
        while true {
            let candidate = "\(directory)/\(Self.temporaryPrefix(name))\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FileAccess.mode)
            if fd >= 0 {
                // Replacing a file keeps its permissions.
                if exists {
                    _ = fchmod(fd, info.st_mode & 0o7777)
                } else {
                    do { try newFileAccess.apply(fd: fd, path: path) } catch {
                        close(fd)
                        unlink(candidate)
                        throw failure("\(error)")
                    }
                }
                fileDescriptor = fd
                temporaryPath = candidate
                InterruptCleanup.register(candidate)
                return
            }
            let code = errno
            attempt += 1
            if code == EEXIST && attempt < 10 { continue }
            if code == EACCES || code == EPERM || code == EROFS {
                throw failure("cannot create a file in \(directory) (\(String(cString: strerror(code))))")
            }
            throw failure(String(cString: strerror(code)))
        }
    }

    /// Temporary files for `name` are `.<name>.<pid>.<random>.tmp`.
    static func temporaryPrefix(_ name: String) -> String { ".\(name)." }

    /// What an existing file is when it is SQLite's (the warehouse, a backup, a write-ahead
    /// log), by its first bytes: `--out` given the `--db` path by mistake must not destroy it.
    static func databaseKind(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 16)
        let count = read(fd, &head, head.count)
        if count == 16, head.elementsEqual(Array("SQLite format 3\0".utf8)) { return "an SQLite database" }
        // A write-ahead log's magic number, big-endian, its last bit the checksum order.
        if count >= 4, head[0] == 0x37, head[1] == 0x7f, head[2] == 0x06, head[3] & 0xfe == 0x82 {
            return "an SQLite write-ahead log"
        }
        return nil
    }

    /// Deletes the temporary files of earlier writers of the same destination whose process is
    /// gone: an export killed (`kill -9`, power loss) before its rename leaves its temporary
    /// file behind, and nothing else would ever remove it. A live writer's file is left alone.
    static func removeLeftovers(directory: String, name: String) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let prefix = temporaryPrefix(name)
        var stale: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp") else { continue }
            // <pid>.<random>.tmp after the prefix
            let rest = entryName.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard rest.count == 2, let pid = pid_t(rest[0]), pid > 0, UInt32(rest[1]) != nil else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { stale.append(entryName) }
        }
        for entryName in stale {
            var info = stat()
            let path = "\(directory)/\(entryName)"
            if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { unlink(path) }
        }
    }

    /// Makes the file durable and moves it into place.
    package func commit(sync: Bool = true) throws(OutputError) {
        precondition(!finished, "AtomicFile committed or abandoned twice")
        finished = true
        guard let temporaryPath else {
            close(fileDescriptor)
            return
        }
        defer { InterruptCleanup.unregister(temporaryPath) }
        if sync && fsync(fileDescriptor) != 0 {
            let reason = String(cString: strerror(errno))
            close(fileDescriptor)
            unlink(temporaryPath)
            throw OutputError(destination: path, reason: reason)
        }
        if close(fileDescriptor) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError(destination: path, reason: reason)
        }
        if rename(temporaryPath, target) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError(destination: path, reason: reason)
        }
    }

    /// Deletes the temporary file; the destination is left as it was.
    package func abandon() {
        guard !finished else { return }
        finished = true
        close(fileDescriptor)
        if let temporaryPath {
            unlink(temporaryPath)
            InterruptCleanup.unregister(temporaryPath)
        }
    }

    deinit { abandon() }
}
