import Foundation
@testable import Pipeline
import Testing
import TestSupport

@Suite struct RunLockTests {
    /// A lock file another user made (a run started once as root) is named with its owner and
    /// what to do, not blamed on the folder.
    @Test func aLockFileOfAnotherUserSaysWhose() throws {
        let folder = try TempDir()
        let path = folder.path("w.sqlite.lock")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
        let other = LockUnavailable.describe(path: path, reason: "Permission denied", runningAs: geteuid() &+ 1)
        #expect(other == "cannot open the lock file \(path) (Permission denied): it belongs to \(me), not to the user running billwh "
                + "(a run started once as \(me)?); give the warehouse's files back with `chown` to the user that runs billwh, or run billwh as \(me)")
        let missing = LockUnavailable.describe(path: folder.path("gone/w.sqlite.lock"), reason: "No such file or directory", runningAs: geteuid())
        #expect(missing.hasSuffix("must exist and be writable by this user — check --db or BILLWH_DB"), "\(missing)")
    }
}
