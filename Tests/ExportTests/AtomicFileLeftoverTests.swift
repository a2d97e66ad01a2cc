import Export
import Foundation
import Testing

/// An export killed before its rename leaves its hidden temporary file; the next export to the
/// same destination removes it (its writer is gone), and leaves a live writer's file alone.
@Suite struct AtomicFileLeftoverTests {
    @Test func temporaryFilesOfDeadWritersAreRemoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // A pid that has just exited.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/sh")
        gone.arguments = ["-c", "exit 0"]
        try gone.run()
        gone.waitUntilExit()
        let deadPID = gone.processIdentifier
        let livePID = getppid()

        let names = [
            ".p.csv.\(deadPID).12345.tmp",      // a killed export of p.csv: removed
            ".p.csv.\(livePID).777.tmp",        // an export of p.csv still running: kept
            ".q.csv.\(deadPID).12345.tmp",      // another destination's: not ours to judge
            ".p.csv.notapid.1.tmp",             // not our pattern: kept
            "p.csv.\(deadPID).1.tmp",           // not hidden: not ours
        ]
        for name in names {
            try Data("half".utf8).write(to: folder.appendingPathComponent(name))
        }
        try Data("old complete\n".utf8).write(to: folder.appendingPathComponent("p.csv"))

        let file = try AtomicFile(path: folder.appendingPathComponent("p.csv").path)
        _ = "new\n".withCString { write(file.fileDescriptor, $0, 4) }
        try file.commit()

        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        #expect(left == Set(names.dropFirst()).union(["p.csv"]))
        #expect(try String(contentsOf: folder.appendingPathComponent("p.csv"), encoding: .utf8) == "new\n")
    }
}
