import Foundation

/// Who may read the files billwh creates: the owner reads and writes, one group reads
/// (`BILLWH_FILE_GROUP`, e.g. the analysts), nobody else. Secrets are never in these files.
public struct FileAccess: Sendable, Equatable {
    public static let mode: mode_t = 0o640
    /// The group's id; nil keeps the group the file gets on creation (the process's, or the
    /// folder's when it is setgid).
    public var groupID: gid_t?
    public var groupName: String?

    public static let ownerDefault = FileAccess(groupID: nil, groupName: nil)

    public init(groupID: gid_t?, groupName: String?) {
        self.groupID = groupID
        self.groupName = groupName
    }

    /// `BILLWH_FILE_GROUP`: a group name or a numeric id; an unknown group is an error, since
    /// silently falling back would leave the analysts locked out.
    public static func from(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FileAccess {
        guard let name = environment["BILLWH_FILE_GROUP"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            return .ownerDefault
        }
        if let group = getgrnam(name) { return FileAccess(groupID: group.pointee.gr_gid, groupName: name) }
        if let id = gid_t(name), getgrgid(id) != nil { return FileAccess(groupID: id, groupName: name) }
        throw FileAccessError.unknownGroup(name)
    }

    /// Creates `path` empty with mode 0640 (and the group) unless it exists; true when created.
    @discardableResult
    public func create(_ path: String) throws -> Bool {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, Self.mode)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw FileAccessError.cannotCreate(path, String(cString: strerror(errno)))
        }
        defer { close(fd) }
        do {
            try apply(fd: fd, path: path)
        } catch {
            // A file the group could not be given to is no use to the readers: none is left.
            unlink(path)
            throw error
        }
        return true
    }

    /// Takes from an existing file of this user any access beyond 0640 (a `chmod 666` someone
    /// made, a copy made under a loose umask): the warehouse holds every customer's prices.
    /// Returns the mode it had when it was narrowed.
    public func narrow(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_uid == geteuid() else { return nil }
        let mode = info.st_mode & 0o7777
        guard mode & ~Self.mode != 0, chmod(path, mode & Self.mode) == 0 else { return nil }
        return mode
    }

    /// Gives an existing file this access (mode 0640 despite the umask, and the group).
    public func apply(to path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileAccessError.cannotCreate(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        try apply(fd: fd, path: path)
    }

    public func apply(fd: Int32, path: String) throws {
        if let groupID, fchown(fd, uid_t.max, groupID) != 0 {
            throw FileAccessError.cannotSetGroup(path, groupName ?? String(groupID), String(cString: strerror(errno)))
        }
        if fchmod(fd, Self.mode) != 0 {
            throw FileAccessError.cannotCreate(path, String(cString: strerror(errno)))
        }
    }
}

public enum FileAccessError: Error, CustomStringConvertible {
    case unknownGroup(String)
    case cannotSetGroup(String, String, String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .unknownGroup(let name):
            "BILLWH_FILE_GROUP names the group \(name), which does not exist: create it (`groupadd \(name)`) or unset the variable"
        case .cannotSetGroup(let path, let group, let reason):
            "cannot give \(path) to the group \(group) (BILLWH_FILE_GROUP): \(reason); billwh's user must be a member of that group"
        case .cannotCreate(let path, let reason):
            "cannot create \(path): \(reason)"
        }
    }
}
