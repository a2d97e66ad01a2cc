import Foundation

/// The file a path names, symlinks resolved (also one to a file not made yet, whose folder is
/// resolved): one warehouse reached through a symlink must take the same lock as through its
/// own name, as SQLite itself follows the link to find the file's journal; and an export
/// through a link replaces the file it names, not the link.
public func canonicalPath(_ path: String) -> String {
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
