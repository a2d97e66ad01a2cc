import Foundation
import GRDB
import Pipeline
import Testing
import VendorSandbox
import Warehouse

/// Crash anywhere, the run lock, the file's permissions and a full disk: the bounded form of
/// `scripts/crash-test` (which does 100 kill points against `billwh sandbox`). The time limit
/// turns a wait that never ends into a failure that names the test, not a hung suite.
@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashTests {
    /// The CLI's window is relative to the real date; the sandbox's data ends on `today`.
    /// From here to today is about six months of both vendors' documents: quick to fetch.
    static let windowStart = CalendarDate(year: 2026, month: 6, day: 1)!

    func environment(_ harness: Harness, debug: Bool = false) -> [String: String] {
        environment(harness.environment, debug: debug)
    }

    func environment(_ base: [String: String], debug: Bool = false) -> [String: String] {
        var env = base
        env["BILLWH_LOOKBACK_DAYS"] = "\(lookbackDays(coveringFrom: Self.windowStart))"
        if debug { env["BILLWH_LOG_LEVEL"] = "debug" }
        return env
    }

    /// An uninterrupted nightly + export: the warehouse every interrupted one must end equal to.
    struct Reference {
        var dump: [String: [String]]
        var csv: Data
        var nightly: Duration
        var export: Duration
        var startup: Duration
    }

    func reference(_ harness: Harness, env: [String: String]) async throws -> Reference {
        try await reference(in: harness.directory, env: env)
    }

    func reference(in directory: URL, env: [String: String]) async throws -> Reference {
        let path = directory.appendingPathComponent("reference.sqlite").path
        let run = try BillwhChild(["nightly", "--db", path], environment: env)
        #expect(await run.wait() == 0, "\(run.stderr)")
        let nightly = ContinuousClock.now - run.started
        let csv = directory.appendingPathComponent("reference.csv").path
        let started = ContinuousClock.now
        let export = try await runBillwh(["export", "purchases", "--db", path, "--out", csv])
        #expect(export.status == 0, "\(export.stderr)")
        let exportTime = ContinuousClock.now - started
        #expect(try WarehouseDump.structuralProblems(path) == [])
        return Reference(dump: try WarehouseDump.dump(path), csv: try Data(contentsOf: URL(fileURLWithPath: csv)),
                         nightly: nightly, export: exportTime, startup: .milliseconds(60))
    }

    static var lastEndpointDone: Regex<Substring> { #/\] twotcloud/customerinvoices: \d+ documents/# }
    static var someEndpointWork: Regex<Substring> { #/window \d+/\d+|\] \w+/[\w-]+: \d+ documents/# }

    /// 20 kill points over start-up and migration, fetch and write, reconciliation and export;
    /// after each: the lock is free and the file sound; after each chain of kills, a run to
    /// completion gives the reference warehouse and export, byte for byte. The sandbox runs in a
    /// process of its own: the children's requests must not wait for this process's threads.
    @Test func killedAnywhereTheNextRunFinishesTheJob() async throws {
        let sandbox = try await SandboxProcess(today: today)
        try await stopping(sandbox) {
            let env = environment(sandbox.environment, debug: true)
            let reference = try await reference(in: sandbox.directory, env: env)
            #expect(reference.dump["purchases", default: []].count > 300)

            var random = SplitMix64(seed: 20_261_123)
            func uniform(_ upTo: Duration) -> Duration {
                let (seconds, attoseconds) = upTo.components
                let nanos = max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                return .nanoseconds(Int64(random.next() % UInt64(nanos)))
            }
            let targets = ["fetch", "start", "reconcile", "any", "fetch", "reconcile"]
            var phases: [String: Int] = [:]
            var kills = 0, trial = 0
            let wanted = 20
            while kills < wanted && trial < 40 {
                trial += 1
                let db = sandbox.directory.appendingPathComponent("t\(trial).sqlite").path
                let chain = min(1 + Int(random.next() % 3), wanted - kills)
                var killed = 0, attempts = 0
                while killed < chain && attempts < chain * 5 {
                    attempts += 1
                    let target = targets[(kills + killed) % targets.count]
                    let child = try BillwhChild(["nightly", "--db", db], environment: env)
                    switch target {
                    case "start": try await Task.sleep(for: uniform(reference.startup))
                    case "fetch": try await Task.sleep(for: reference.startup + uniform(reference.nightly - reference.startup * 2))
                    case "reconcile":
                        if !(await child.waitFor { child.stderr.contains(Self.lastEndpointDone) }) && child.process.isRunning {
                            Issue.record("trial \(trial): no reconcile phase within 60 s: \(child.stderr.suffix(3000))")
                        }
                        try await Task.sleep(for: uniform(.milliseconds(120)))
                    default: try await Task.sleep(for: uniform(reference.nightly))
                    }
                    guard child.killHard() else {
                        #expect(child.process.terminationStatus != 75, "a run after a kill found the lock held: \(child.stderr)")
                        continue
                    }
                    let text = child.stderr
                    let phase = text.contains(Self.lastEndpointDone) ? "reconcile" : text.contains(Self.someEndpointWork) ? "fetch+write" : "start+migrate"
                    phases[phase, default: 0] += 1
                    killed += 1
                    #expect(runLockIsFree(db), "the lock is held after kill -9 in \(phase)")
                    if FileManager.default.fileExists(atPath: db) {
                        #expect(try WarehouseDump.integrity(db) == "ok", "after a kill in \(phase)")
                    }
                }
                kills += killed

                let finish = try BillwhChild(["nightly", "--db", db], environment: env)
                // Inside the test's time limit, so that a run that does not end is shown with its log.
                #expect(await finish.wait(timeout: .seconds(240)) == 0, "trial \(trial): \(finish.stderr.suffix(6000))")
                // The killed runs' rows are marked by the run that found them.
                let unmarked = try await WarehouseDatabase.openReadOnly(path: db).read {
                    try Int.fetchOne($0, sql: "SELECT count(*) FROM runs WHERE outcome IS NULL")
                }
                #expect(unmarked == 0, "trial \(trial)")
                let folder = sandbox.directory.appendingPathComponent("out\(trial)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let csv = folder.appendingPathComponent("purchases.csv").path
                if trial % 2 == 0 && kills < wanted {
                    // A killed export leaves the previous complete file, never half of one.
                    #expect(try await runBillwh(["export", "purchases", "--db", db, "--out", csv]).status == 0)
                    let before = try Data(contentsOf: URL(fileURLWithPath: csv))
                    for _ in 0..<5 {
                        let export = try BillwhChild(["export", "purchases", "--db", db, "--out", csv], environment: [:])
                        try await Task.sleep(for: uniform(reference.export))
                        if export.killHard() {
                            phases["export", default: 0] += 1
                            kills += 1
                            #expect(try Data(contentsOf: URL(fileURLWithPath: csv)) == before)
                            break
                        }
                    }
                }
                let export = try await runBillwh(["export", "purchases", "--db", db, "--out", csv])
                #expect(export.status == 0, "\(export.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: csv)) == reference.csv, "trial \(trial): the export differs")
                // Not even the temporary file of a killed export is left behind.
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["purchases.csv"])
                #expect(try WarehouseDump.structuralProblems(db) == [], "trial \(trial)")
                let difference = WarehouseDump.difference(reference.dump, try WarehouseDump.dump(db))
                #expect(difference.lost == 0 && difference.extra == 0, "trial \(trial): \(difference.detail)")
            }
            #expect(kills >= wanted)
            // Every phase was hit at least once.
            for phase in ["start+migrate", "fetch+write", "reconcile", "export"] {
                #expect(phases[phase, default: 0] > 0, "no kill landed in \(phase): \(phases)")
            }
            print("CrashTests: \(kills) kill points (\(phases.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), 0 lost, 0 duplicated")
        }
    }

    /// A live holder is respected (75, naming it); a holder killed with -9 leaves its note in
    /// the lock file but no lock, and the next run takes over at once; so does a note of a pid
    /// that does not exist.
    @Test func aKilledRunsLockIsTakenOverAndALiveOneRespected() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let env = environment(harness)
            let db = harness.databasePath, lockFile = harness.databasePath + ".lock"
            func note() -> String { (try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? "" }

            harness.sandbox.faults.delay = .milliseconds(200)  // a run that takes a while
            let first = try BillwhChild(["nightly", "--db", db], environment: env)
            #expect(await first.waitFor { note().contains("pid \(first.pid),") }, "\(first.stderr)")
            let second = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(second.status == 75)
            #expect(second.stderr.contains("pid \(first.pid), nightly, started"), "\(second.stderr)")
            #expect(!runLockIsFree(db))

            #expect(first.killHard())
            harness.sandbox.faults.delay = .zero
            #expect(note().contains("pid \(first.pid),"))  // the dead holder's note is still there...
            #expect(runLockIsFree(db))                     // ...but not its lock
            let third = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(third.status == 0, "\(third.stderr)")
            #expect(note().isEmpty)  // a finished run clears its note

            try Data("pid 2147483646, nightly, started 2020-01-01T00:00:00Z\n".utf8).write(to: URL(fileURLWithPath: lockFile))
            let fourth = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(fourth.status == 0, "\(fourth.stderr)")
            #expect(try WarehouseDump.structuralProblems(db) == [])
        }
    }

    /// 0640 even under `umask 000`: the database, its WAL and shared-memory files (looked at
    /// while the run has them open); the lock file is the owner's only.
    @Test func theDatabaseAndItsCompanionFilesAreReadableByTheGroupOnly() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            harness.sandbox.faults.delay = .milliseconds(100)
            let run = try BillwhChild(["nightly", "--db", db], environment: environment(harness), shellPrefix: "umask 000")
            let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
            #expect(await run.waitFor { exists(db + "-wal") && exists(db + "-shm") && exists(db + ".lock") }, "\(run.stderr)")
            func mode(_ path: String) -> mode_t? {
                var info = stat()
                return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
            }
            for suffix in ["", "-wal", "-shm", ".lock"] {
                let expected: mode_t = suffix == ".lock" ? 0o600 : 0o640
                #expect(mode(db + suffix) == expected, "\(suffix): \(String(mode(db + suffix) ?? 0, radix: 8))")
            }
            harness.sandbox.faults.delay = .zero
            #expect(await run.wait() == 0, "\(run.stderr)")
            #expect(mode(db) == 0o640)
        }
    }

    /// A reader who may not write the warehouse's folder (a 2750 folder, as operations.md sets
    /// it up) reads it through the -wal and -shm that every run leaves beside it; a copy of the
    /// file alone is said to lack them, not to have been left mid-write.
    @Test func aReaderWhoMayNotWriteTheFolder() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            // Under /tmp, where any user may reach it; root reads as nobody, another user as itself.
            let folder = URL(fileURLWithPath: "/tmp/billwh-reader-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            defer { chmod(folder.path, 0o755); try? FileManager.default.removeItem(at: folder) }
            let db = folder.appendingPathComponent("w.sqlite").path
            // Nothing else has the file open: what the run leaves is what the reader finds.
            for _ in 0..<2 {
                let run = try await runBillwh(["nightly", "--db", db], environment: environment(harness))
                #expect(run.status == 0, "\(run.stderr)")
            }
            #expect((try FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) == 0, "the WAL is kept, emptied")
            #expect(FileManager.default.fileExists(atPath: db + "-shm"))
            let purchases = try await runBillwh(["query", "--db", db, "SELECT count(*) FROM purchases", "--format", "csv"]).stdout
            func read(_ path: String) async throws -> ProcessResult {
                chmod(folder.path, 0o555)
                defer { chmod(folder.path, 0o755) }
                let query = ["query", "--db", path, "SELECT count(*) FROM purchases", "--format", "csv"]
                if getuid() == 0 {
                    return try await runCapturing(URL(fileURLWithPath: "/usr/bin/setpriv"),
                                                  ["--reuid=65534", "--regid=65534", "--clear-groups", try billwhBinary().path] + query)
                }
                return try await runBillwh(query)
            }
            for suffix in ["", "-wal", "-shm"] { chmod(db + suffix, 0o644) }
            let kept = try await read(db)
            #expect(kept.status == 0 && kept.stdout == purchases && purchases.hasPrefix("count(*)\r\n"), "\(kept.stdout) \(kept.stderr)")

            let copy = folder.appendingPathComponent("copy.sqlite").path
            try FileManager.default.copyItem(atPath: db, toPath: copy)
            chmod(copy, 0o644)
            let alone = try await read(copy)
            #expect(alone.status == 1 && alone.stderr.contains("companion files") && !alone.stderr.contains("mid-write"), "\(alone.stderr)")
        }
    }

    /// The disk fills up mid-run (a file size limit on the process: with SIGXFSZ ignored the
    /// writes fail, EFBIG; with its default action the process may die of it): the run fails,
    /// the file stays sound with what was committed, and the next run completes the warehouse.
    @Test(arguments: ["write fails", "default SIGXFSZ"])
    func runningOutOfDiskLeavesTheFileSoundAndTheNextRunRecovers(mode: String) async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let env = environment(harness)
            let reference = try await reference(harness, env: env)
            let db = harness.databasePath
            // Room for the migrations (their WAL: a few times the migrated empty file) and about a
            // fifth of what the rest of the run writes (ulimit -f counts 1024-byte blocks), so that
            // the limit is reached while the documents are written.
            let size = try FileManager.default.attributesOfItem(atPath: harness.directory.appendingPathComponent("reference.sqlite").path)[.size] as! Int
            let empty = harness.directory.appendingPathComponent("empty.sqlite").path
            #expect(try await runBillwh(["migrate", "--db", empty]).status == 0)
            let emptySize = try FileManager.default.attributesOfItem(atPath: empty)[.size] as! Int
            let blocks = max(64, (4 * emptySize + (size - emptySize) / 5) / 1024)
            let prefix = mode == "write fails" ? "trap '' XFSZ; ulimit -f \(blocks)" : "ulimit -f \(blocks)"
            let limited = try BillwhChild(["nightly", "--db", db], environment: env, shellPrefix: prefix)
            let status = await limited.wait()
            if mode == "write fails" {
                #expect(status == 1, "\(limited.stderr)")
                #expect(limited.stderr.contains("could not write to the warehouse"), "\(limited.stderr)")
                #expect(limited.stderr.contains("disk"), "\(limited.stderr)")
            } else {
                // SQLite writes on a dispatch thread that blocks signals, so the write usually fails
                // (EFBIG) as above rather than the process dying; either way is a failed run.
                let killed = limited.process.terminationReason == .uncaughtSignal && status == SIGXFSZ
                #expect(killed || status == 1, "\(status) \(limited.stderr)")
            }
            #expect(try WarehouseDump.integrity(db) == "ok")
            let committed = try harness.scalar("SELECT count(*) FROM staging_lines")
            #expect(committed < Int64(reference.dump["staging_lines", default: []].count))
            #expect(runLockIsFree(db))

            let again = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try WarehouseDump.structuralProblems(db) == [])
            let difference = WarehouseDump.difference(reference.dump, try WarehouseDump.dump(db))
            #expect(difference.lost == 0 && difference.extra == 0, "\(difference.detail)")
        }
    }

    /// The same with a real full file system (a 700 KB tmpfs; needs the right to mount, so
    /// only where that works): SQLITE_FULL, the WAL holds what was committed, and once there
    /// is room again the next run completes the warehouse.
    @Test(.enabled(if: TinyFileSystem.canMount)) func aFullFileSystemMidRun() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let env = environment(harness)
            let reference = try await reference(harness, env: env)
            let mount = harness.directory.appendingPathComponent("tiny").path
            try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
            #expect(TinyFileSystem.run("mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", mount))
            defer { _ = TinyFileSystem.run("umount", "-l", mount) }
            let db = mount + "/w.sqlite"
            let full = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(full.status == 1, "\(full.stderr)")
            #expect(full.stderr.contains("full"), "\(full.stderr)")
            #expect(try WarehouseDump.integrity(db) == "ok")
            #expect(TinyFileSystem.run("mount", "-o", "remount,size=64m", mount))
            let again = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try WarehouseDump.structuralProblems(db) == [])
            let difference = WarehouseDump.difference(reference.dump, try WarehouseDump.dump(db))
            #expect(difference.lost == 0 && difference.extra == 0, "\(difference.detail)")
        }
    }

    /// A backup into a folder on a full disk: exit 1 naming the disk as full (SQLite's backup
    /// reports it by code alone), nothing left in the folder, the warehouse untouched.
    @Test(.enabled(if: TinyFileSystem.canMount)) func aBackupToAFullDiskSaysSo() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let env = environment(harness)
            #expect(try await runBillwh(["nightly", "--db", harness.databasePath], environment: env).status == 0)
            let before = try WarehouseDump.dump(harness.databasePath)
            let mount = harness.directory.appendingPathComponent("tiny-backups").path
            try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
            #expect(TinyFileSystem.run("mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mount))
            defer { _ = TinyFileSystem.run("umount", "-l", mount) }
            let backup = try await runBillwh(["backup", "--db", harness.databasePath, "--to", mount], environment: env)
            #expect(backup.status == 1, "\(backup.stderr)")
            #expect(backup.stderr.contains("the disk is full") && backup.stderr.contains("free there"), "\(backup.stderr)")
            #expect(!backup.stderr.contains("not an error"), "\(backup.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: mount) == [])
            #expect(try WarehouseDump.dump(harness.databasePath) == before)
        }
    }
}

enum TinyFileSystem {
    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, not in every CI).
    static let canMount: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-mount-probe-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe) else { return false }
        return run("umount", probe)
    }()

    static func run(_ arguments: String...) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
