import Foundation
import Testing
import Warehouse

/// What a server's administrator runs from `scripts/`: the installer, the systemd units, and
/// the Litestream example configuration, each with the real tool.
@Suite(.serialized) struct InstallScriptsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `scripts/install PREFIX` (with the suite's own build: a release build here would cost
    /// minutes) gives a working binary and the three shells' completions.
    @Test func installIntoAPrefixGivesAWorkingBinaryAndCompletions() throws {
        let prefix = try TemporaryFolder()
        let install = try run("/bin/bash", [Self.repository.appendingPathComponent("scripts/install").path, prefix.path],
                              environment: ["BILLWH_INSTALL_BINARY": try billwhBinary().path])
        #expect(install.status == 0, "\(install.stderr)")
        let installed = prefix.url.appendingPathComponent("bin/billwh").path
        let version = try run(installed, ["--version"])
        #expect(version.status == 0 && !version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(version.stderr)")
        for file in ["share/bash-completion/completions/billwh", "share/zsh/site-functions/_billwh",
                     "share/fish/vendor_completions.d/billwh.fish"] {
            let text = try String(contentsOf: prefix.url.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains("backup") && text.contains("nightly"), "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: prefix.url.appendingPathComponent("share/doc/billwh/operations.md").path))
        let help = try run("/bin/bash", [Self.repository.appendingPathComponent("scripts/install").path, "--help"])
        #expect(help.status == 0 && help.stdout.contains("PREFIX"))
    }

    /// `systemd-analyze verify` accepts the units as shipped, with only the binary's path
    /// pointed at a file that exists here.
    @Test func systemdAcceptsTheUnits() throws {
        let folder = try TemporaryFolder()
        let units = ["billwh-nightly.service", "billwh-nightly.timer", "billwh-failure@.service"]
        for unit in units {
            var text = try String(contentsOf: Self.repository.appendingPathComponent("scripts/systemd/\(unit)"), encoding: .utf8)
            text = text.replacingOccurrences(of: "/usr/local/bin/billwh", with: try billwhBinary().path)
            try text.write(to: folder.url.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let service = try String(contentsOf: Self.repository.appendingPathComponent("scripts/systemd/billwh-nightly.service"), encoding: .utf8)
        for line in ["User=billwh", "ProtectSystem=strict", "NoNewPrivileges=yes", "OnFailure=billwh-failure@%n.service",
                     "LoadCredential=copaco-api-key:", "Environment=BILLWH_COPACO_API_KEY_FILE=%d/copaco-api-key",
                     "ReadWritePaths=/var/lib/billwh /var/backups/billwh"] {
            #expect(service.contains(line), "\(line)")
        }
        #expect(!service.contains("SuccessExitStatus"), "exit 2 must reach OnFailure")
        let analyze = try #require(executable("systemd-analyze"), "systemd-analyze is missing: run scripts/setup")
        let verify = try run(analyze, ["verify", "--man=no"] + units.map { folder.url.appendingPathComponent($0).path })
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let complaints = verify.stderr.split(separator: "\n").filter { $0.contains("billwh") }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    /// `scripts/litestream.yml` replicates the warehouse (to a folder standing in for object
    /// storage) and Litestream restores from it the same warehouse, before and after a change.
    @Test func theLitestreamExampleReplicatesAndRestoresTheWarehouse() async throws {
        let litestream = try #require(executable("litestream") ?? userScript("litestream"), "litestream is missing: run scripts/setup")
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let db = harness.databasePath
        var env = harness.environment
        env["BILLWH_LOOKBACK_DAYS"] = "40"
        #expect(try await billwh(["nightly", "--db", db], environment: env).status == 0)
        let config = Self.repository.appendingPathComponent("scripts/litestream.yml").path
        let replica = harness.directory.appendingPathComponent("replica")
        let litestreamEnv = ["BILLWH_DB": db, "LITESTREAM_REPLICA_URL": replica.absoluteString]

        for round in 1...2 {
            let sync = try run(litestream, ["replicate", "-config", config, "-once"], environment: litestreamEnv)
            #expect(sync.status == 0, "\(sync.stderr)")
            let restored = harness.directory.appendingPathComponent("restored-\(round).sqlite").path
            let restore = try run(litestream, ["restore", "-config", config, "-o", restored, db], environment: litestreamEnv)
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(try WarehouseDump.integrity(restored) == "ok")
            #expect(try WarehouseDump.dump(restored) == WarehouseDump.dump(db), "round \(round)")
            // A change for the second round: a wider window brings more documents.
            env["BILLWH_LOOKBACK_DAYS"] = "120"
            #expect(try await billwh(["nightly", "--db", db], environment: env).status == 0)
        }
    }

    // MARK: helpers

    /// A folder removed when the value goes.
    final class TemporaryFolder {
        let url: URL
        var path: String { url.path }
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-scripts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Where `pip install --user` puts a package's programs.
    func userScript(_ name: String) -> String? {
        guard let base = try? python("import site; print(site.USER_BASE)").trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        let path = "\(base)/bin/\(name)"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Runs a program to its end (at most two minutes), with PATH and the given environment.
    func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        env["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        process.environment = env
        let folder = try TemporaryFolder()
        let out = folder.url.appendingPathComponent("out"), err = folder.url.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
