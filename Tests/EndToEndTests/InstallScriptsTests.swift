import Foundation
import Testing
import TestSupport
import Warehouse

/// What a server's administrator runs from `scripts/`: the installer, the systemd units, and
/// the Litestream example configuration, each with the real tool.
@Suite(.serialized) struct InstallScriptsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `scripts/install PREFIX` (with the suite's own build: a release build here would cost
    /// minutes) gives a working binary and the three shells' completions.
    @Test func installIntoAPrefixGivesAWorkingBinaryAndCompletions() async throws {
        let prefix = try TempDir()
        let install = try await run("/bin/bash", [Self.repository.appendingPathComponent("scripts/install").path, prefix.url.path],
                              environment: ["BILLWH_INSTALL_BINARY": try billwhBinary().path])
        #expect(install.status == 0, "\(install.stderr)")
        let installed = prefix.url.appendingPathComponent("bin/billwh").path
        let version = try await run(installed, ["--version"])
        #expect(version.status == 0 && !version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(version.stderr)")
        for file in ["share/bash-completion/completions/billwh", "share/zsh/site-functions/_billwh",
                     "share/fish/vendor_completions.d/billwh.fish"] {
            let text = try String(contentsOf: prefix.url.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains("backup") && text.contains("nightly"), "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: prefix.url.appendingPathComponent("share/doc/billwh/operations.md").path))
        let help = try await run("/bin/bash", [Self.repository.appendingPathComponent("scripts/install").path, "--help"])
        #expect(help.status == 0 && help.stdout.contains("PREFIX"))
        let unknown = try await run("/bin/bash", [Self.repository.appendingPathComponent("scripts/install").path, "--prefix", prefix.url.path])
        #expect(unknown.status == 64, "\(unknown.stderr)")
        // A relative PREFIX is relative to the caller's folder, not to the repository.
        let relative = try await run("/bin/bash", ["-c", "cd \"$0\" && bash \"$1\" relative-prefix", prefix.url.path,
                                             Self.repository.appendingPathComponent("scripts/install").path],
                               environment: ["BILLWH_INSTALL_BINARY": try billwhBinary().path])
        #expect(relative.status == 0, "\(relative.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: prefix.url.appendingPathComponent("relative-prefix/bin/billwh").path))
    }

    /// `systemd-analyze verify` accepts the units as shipped, with only the binary's path
    /// pointed at a file that exists here.
    @Test func systemdAcceptsTheUnits() async throws {
        let folder = try TempDir()
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
        // A LoadCredential= whose file is missing stops the unit (243/CREDENTIALS): the vendors
        // a reseller may not use are commented out until the administrator enables them.
        #expect(!service.contains("\nLoadCredential=twotcloud") && !service.contains("\nLoadCredential=copper"))
        let timer = try String(contentsOf: Self.repository.appendingPathComponent("scripts/systemd/billwh-nightly.timer"), encoding: .utf8)
        #expect(timer.contains("OnCalendar=*-*-* 03:15:00 UTC") && timer.contains("Persistent=true"))
        let analyze = try #require(executable("systemd-analyze"), "systemd-analyze is missing: run scripts/setup")
        let verify = try await run(analyze, ["verify", "--man=no"] + units.map { folder.url.appendingPathComponent($0).path })
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let complaints = verify.stderr.split(separator: "\n").filter { $0.contains("billwh") }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    /// `scripts/litestream.yml` replicates the warehouse (to a folder standing in for object
    /// storage) and Litestream restores from it the same warehouse, before and after a change.
    @Test func theLitestreamExampleReplicatesAndRestoresTheWarehouse() async throws {
        let litestream = try #require(executable("litestream") ?? userScript("litestream"), "litestream is missing: run scripts/setup")
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            var env = harness.environment
            env["BILLWH_LOOKBACK_DAYS"] = "40"
            #expect(try await runBillwh(["nightly", "--db", db], environment: env).status == 0)
            let config = Self.repository.appendingPathComponent("scripts/litestream.yml").path
            let replica = harness.directory.appendingPathComponent("replica")
            let litestreamEnv = ["BILLWH_DB": db, "LITESTREAM_REPLICA_URL": replica.absoluteString]

            for round in 1...2 {
                let sync = try await run(litestream, ["replicate", "-config", config, "-once"], environment: litestreamEnv)
                #expect(sync.status == 0, "\(sync.stderr)")
                let restored = harness.directory.appendingPathComponent("restored-\(round).sqlite").path
                let restore = try await run(litestream, ["restore", "-config", config, "-o", restored, db], environment: litestreamEnv)
                #expect(restore.status == 0, "\(restore.stderr)")
                #expect(try WarehouseDump.integrity(restored) == "ok")
                #expect(try WarehouseDump.dump(restored) == WarehouseDump.dump(db), "round \(round)")
                // A change for the second round: a wider window brings more documents.
                env["BILLWH_LOOKBACK_DAYS"] = "120"
                #expect(try await runBillwh(["nightly", "--db", db], environment: env).status == 0)
            }
            // The administrator's check of the same file: a copy replicated once, after a change and
            // continuously, each restore's `sqlite3 .dump` equal to the copy's.
            let check = try await run("/bin/bash", [Self.repository.appendingPathComponent("scripts/check-litestream").path, db])
            #expect(check.status == 0 && check.stdout.contains("round 3: restored"), "\(check.stdout)\(check.stderr)")
        }
    }

    /// The cron example's job line run by /bin/sh as cron runs it, with a stand-in billwh that
    /// exits with a given code: the run's output goes to the log, and only a non-zero exit
    /// prints a line (which cron mails to MAILTO) that names billwh's own exit code.
    @Test func theCronJobPrintsOnlyWhenTheRunFailsAndNamesItsExitCode() async throws {
        let folder = try TempDir()
        let cron = try String(contentsOf: Self.repository.appendingPathComponent("scripts/billwh-nightly.cron"), encoding: .utf8)
        #expect(cron.contains("\nMAILTO="))
        let job = try #require(cron.split(separator: "\n").first { $0.hasPrefix("15 3 * * *") }, "no 03:15 job line")
        // minute hour day month weekday user command
        let fields = job.split(separator: " ", maxSplits: 6)
        try #require(fields.count == 7 && fields[5] == "billwh", "\(job)")
        let fake = folder.url.appendingPathComponent("billwh")
        // Run by /bin/sh, not executed itself: a file just written may still be open in a
        // process another test is spawning ("text file busy").
        try "echo \"run output $*\"\nexit \"$FAKE_EXIT\"\n".write(to: fake, atomically: true, encoding: .utf8)
        let log = folder.url.appendingPathComponent("nightly.log")
        let command = fields[6].trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "/usr/local/bin/billwh", with: "/bin/sh \(fake.path)")
            .replacingOccurrences(of: "/var/log/billwh/nightly.log", with: log.path)
        #expect(command.contains(fake.path) && command.contains(log.path), "\(command)")
        #expect(!command.contains("%"), "cron turns % into a newline")
        for code in [0, 1, 2, 75] {
            let result = try await run("/bin/sh", ["-c", command], environment: ["FAKE_EXIT": "\(code)"])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(code): \(result.stderr)")
            if code == 0 {
                #expect(result.stdout.isEmpty, "\(result.stdout)")
            } else {
                #expect(result.stdout.contains("exited \(code) "), "\(code): \(result.stdout)")
            }
        }
        let logged = try String(contentsOf: log, encoding: .utf8)
        #expect(logged.components(separatedBy: "run output nightly").count - 1 == 4, "\(logged)")
        withExtendedLifetime(folder) {}
    }

    // MARK: helpers

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

    /// Runs a program to its end (at most two minutes), with PATH, HOME and the given environment.
    func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        env["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        return try await runCapturing(URL(fileURLWithPath: program), arguments, environment: env, timeout: .seconds(120))
    }
}
