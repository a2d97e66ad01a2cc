import Foundation
import GRDB
import Pipeline
import TestSupport
import Testing
import VendorSandbox
import Warehouse

/// Backups, restore, a damaged file, exit codes that page someone, and the metrics file:
/// the `billwh` binary against the sandbox, as a server's scheduler runs it.
@Suite(.serialized) struct OperationsTests {
    /// About six months of both vendors' documents: quick to fetch, enough to write for a while.
    static let windowStart = CalendarDate(year: 2026, month: 6, day: 1)!

    func environment(_ harness: Harness, days: Int? = nil) -> [String: String] {
        var env = harness.environment
        env["BILLWH_LOOKBACK_DAYS"] = "\(days ?? lookbackDays(coveringFrom: Self.windowStart))"
        return env
    }

    /// The environment with a metrics file in the harness's folder, and that file's path.
    func metricsEnvironment(_ harness: Harness, days: Int? = nil) -> (env: [String: String], metrics: String) {
        let metrics = harness.directory.appendingPathComponent("billwh.prom").path
        var env = environment(harness, days: days)
        env["BILLWH_METRICS_FILE"] = metrics
        return (env, metrics)
    }

    /// `--to` naming a file is said in words, and the file is left as it was; a backup of a
    /// warehouse that is not there leaves no lock file behind.
    @Test func aBackupIntoAFileOrOfNoWarehouseSaysSoAndLeavesNothing() async throws {
        let folder = try TempDir.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("w.sqlite").path
        let first = try await runBillwh(["migrate", "--db", db])
        #expect(first.status == 0 && first.stderr.contains("applied ") && first.stderr.contains(" migrations, now at migration "), "\(first.stderr)")
        let again = try await runBillwh(["migrate", "--db", db])
        #expect(again.status == 0 && again.stderr.contains("already at migration") && again.stderr.contains("nothing to apply"), "\(again.stderr)")
        let file = folder.appendingPathComponent("afile").path
        try Data("data".utf8).write(to: URL(fileURLWithPath: file))
        let intoFile = try await runBillwh(["backup", "--db", db, "--to", file])
        #expect(intoFile.status == 1, "\(intoFile.stderr)")
        #expect(intoFile.stderr.contains("it is a file, not a folder") && !intoFile.stderr.contains("NSCocoaErrorDomain"), "\(intoFile.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "data")
        let missing = folder.appendingPathComponent("missing.sqlite").path
        let none = try await runBillwh(["backup", "--db", missing, "--to", folder.path])
        #expect(none.status == 1 && none.stderr.contains(missing), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing + ".lock"))
    }

    /// A backup asked for while a nightly writes waits for it and copies the state after it;
    /// restored, that copy is the warehouse as the run left it, never a state in between.
    @Test func aBackupDuringANightlyIsTheStateAfterItAndRestoresToIt() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let db = harness.databasePath
            // Before: a short window. The run under test reads six months, slowly.
            #expect(try await runBillwh(["nightly", "--db", db], environment: environment(harness, days: 10)).status == 0)
            let before = try WarehouseDump.dump(db)

            harness.sandbox.faults.delay = .milliseconds(40)
            let run = try BillwhChild(["nightly", "--db", db], environment: environment(harness))
            #expect(await run.waitFor { run.stderr.contains(CrashTests.someEndpointWork) }, "\(run.stderr)")
            #expect(run.process.isRunning, "the nightly ended before the backup started: slow the sandbox down")
            let backups = harness.directory.appendingPathComponent("backups").path
            let backup = try BillwhChild(["backup", "--db", db, "--to", backups, "--keep", "2"], environment: [:])
            #expect(await backup.wait() == 0, "\(backup.stderr)")
            #expect(backup.stderr.contains("waiting for the run in progress to end"), "\(backup.stderr)")
            #expect(await run.wait() == 0, "\(run.stderr)")
            harness.sandbox.faults.delay = .zero
            let after = try WarehouseDump.dump(db)
            #expect(after != before)

            let copy = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(FileManager.default.fileExists(atPath: copy), "\(backup.stdout)")
            #expect(try WarehouseDump.integrity(copy) == "ok")
            #expect(try WarehouseDump.dump(copy) == after)
            #expect(mode(copy) == 0o640)

            // Restored over a warehouse that has moved on, it brings back exactly that state.
            let restoredPath = harness.directory.appendingPathComponent("restored.sqlite").path
            #expect(try await runBillwh(["nightly", "--db", restoredPath], environment: environment(harness, days: 3)).status == 0)
            let restore = try await runBillwh(["restore", "--db", restoredPath, "--from", copy])
            #expect(restore.status == 0, "\(restore.stderr)")
            // That file was another warehouse: said, since its replica and backups go by its id.
            #expect(restore.stderr.contains("the backup is of another warehouse than the file it replaced"), "\(restore.stderr)")
            #expect(try WarehouseDump.dump(restoredPath) == after)
            let aside = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).filter { $0.hasPrefix("restored.sqlite.before-restore-") && !$0.hasSuffix("-wal") }
            #expect(aside.count == 1, "\(aside)")

            // Rotation keeps the newest two copies of this warehouse.
            for _ in 0..<2 { #expect(try await runBillwh(["backup", "--db", db, "--to", backups, "--keep", "2"]).status == 0) }
            let kept = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".sqlite") }
            #expect(kept.count == 2, "\(kept)")
            #expect(!kept.contains((copy as NSString).lastPathComponent))
            // Restored from its own copy, the warehouse is still the one the copies were made of:
            // --keep counts the copies from before the restore.
            let newest = (backups as NSString).appendingPathComponent(try #require(kept.sorted().last))
            let own = try await runBillwh(["restore", "--db", db, "--from", newest])
            #expect(own.status == 0 && !own.stderr.contains("another warehouse"), "\(own.stderr)")
            #expect(try await runBillwh(["backup", "--db", db, "--to", backups, "--keep", "1"]).status == 0)
            let left = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".sqlite") }
            #expect(left.count == 1, "\(left)")
        }
    }

    /// While a run holds the lock, restore refuses with 75 and changes nothing.
    @Test func restoreIsRefusedWhileARunHoldsTheLock() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            #expect(try await runBillwh(["nightly", "--db", db], environment: environment(harness, days: 10)).status == 0)
            let backups = harness.directory.appendingPathComponent("backups").path
            let copy = try await runBillwh(["backup", "--db", db, "--to", backups])
            #expect(copy.status == 0, "\(copy.stderr)")
            harness.sandbox.faults.delay = .milliseconds(100)
            let run = try BillwhChild(["nightly", "--db", db], environment: environment(harness))
            #expect(await run.waitFor { !runLockIsFree(db) })
            let restore = try await runBillwh(["restore", "--db", db, "--from", copy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
            #expect(restore.status == 75, "\(restore.stderr)")
            #expect(restore.stderr.contains("another billwh run holds the lock"), "\(restore.stderr)")
            harness.sandbox.faults.delay = .zero
            #expect(await run.wait() == 0, "\(run.stderr)")
            let aside = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).filter { $0.contains("before-restore") }
            #expect(aside.isEmpty)
            // A backup that is not whole is not restored.
            let broken = harness.directory.appendingPathComponent("broken.sqlite").path
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: broken))
            let refused = try await runBillwh(["restore", "--db", db, "--from", broken])
            #expect(refused.status == 1 && refused.stderr.contains("cannot be restored, nothing was changed"), "\(refused.stderr)")
        }
    }

    /// A page of the file is overwritten: every command says the file is damaged, names the
    /// newest backup and the restore command, and exits 1. Restored, the next nightly ends
    /// where an uninterrupted warehouse is.
    @Test func aDamagedFileIsExplainedAndRestoreAndANightlyConverge() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let backups = harness.directory.appendingPathComponent("backups").path
            var env = environment(harness)
            env["BILLWH_BACKUP_DIR"] = backups
            let reference = harness.directory.appendingPathComponent("reference.sqlite").path
            #expect(try await runBillwh(["nightly", "--db", reference], environment: environment(harness)).status == 0)

            let db = harness.databasePath
            // The backup is of an older state: a short window.
            var shortEnv = env
            shortEnv["BILLWH_LOOKBACK_DAYS"] = "10"
            let first = try await runBillwh(["nightly", "--db", db], environment: shortEnv)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("backup \(backups)/"), "\(first.stderr)")
            let newest = try #require(WarehouseBackup.copies(in: backups, databasePath: db).first)
            #expect(try await runBillwh(["nightly", "--db", db], environment: env.merging(["BILLWH_BACKUP_DIR": ""]) { $1 }).status == 0)

            try corruptPage(of: "purchases", in: db)
            let commands: [[String]] = [
                ["status", "--db", db], ["check", "--db", db], ["nightly", "--db", db],
                ["export", "purchases", "--db", db, "--out", harness.directory.appendingPathComponent("p.csv").path],
            ]
            for command in commands {
                let result = try await runBillwh(command, environment: env)
                #expect(result.status == 1, "\(command[0]): \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("the warehouse file is damaged: \(db)"), "\(command[0]): \(result.stderr)")
                #expect(result.stderr.contains("billwh restore --from \(newest) --db \(db)"), "\(command[0]): \(result.stderr)")
            }
            // Without the setting, the copy the last backup recorded beside the file is named.
            let unset = try await runBillwh(["status", "--db", db])
            #expect(unset.status == 1 && unset.stderr.contains("billwh restore --from \(newest)"), "\(unset.stderr)")

            let restore = try await runBillwh(["restore", "--db", db, "--from", newest], environment: env)
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(try await runBillwh(["status", "--db", db], environment: env).status == 0)
            let next = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try WarehouseDump.dump(db) == WarehouseDump.dump(reference))
            #expect(try await runBillwh(["check", "--db", db, "--full", "--max-open-months", "12"]).status == 0)
        }
    }

    /// Damage where a nightly does not read (a table only `publish` writes) is found by the
    /// nightly's backup step, which checks the file, and by `status`.
    @Test func theNightlysBackupStepFindsDamageTheRunDidNotMeet() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            var env = environment(harness, days: 10)
            #expect(try await runBillwh(["nightly", "--db", db], environment: env).status == 0)
            try corruptPage(of: "crm_publications", in: db)
            #expect(try await runBillwh(["nightly", "--db", db], environment: env).status == 0)
            let status = try await runBillwh(["status", "--db", db])
            #expect(status.status == 1 && status.stderr.contains("the warehouse file is damaged"), "\(status.stderr)")
            env["BILLWH_BACKUP_DIR"] = harness.directory.appendingPathComponent("backups").path
            let run = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(run.status == 1 && run.stderr.contains("the warehouse file is damaged: \(db)"), "\(run.stderr)")
            #expect(WarehouseBackup.copies(in: env["BILLWH_BACKUP_DIR"]!, databasePath: db).isEmpty)
            // That run is no success for monitoring: recorded failed, not ok.
            let outcome = try await WarehouseDatabase.openReadOnly(path: db).read { db in
                try String.fetchOne(db, sql: "SELECT outcome FROM runs ORDER BY run_id DESC LIMIT 1")
            }
            #expect(outcome == "failed")
        }
    }

    /// Output nobody can take (a full log disk) does not stop a nightly that committed from
    /// writing its metrics and exiting with its own code; it used to die on its first note.
    @Test func aNightlyWhoseOutputCannotBeWrittenEndsWithItsMetricsAndCode() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            var (env, metrics) = metricsEnvironment(harness)
            env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
            let process = Process()
            process.executableURL = try billwhBinary()
            process.arguments = ["nightly", "--db", harness.databasePath]
            process.environment = env
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            process.standardError = FileHandle(forWritingAtPath: "/dev/full")
            try process.run()
            #expect(await awaitExit(process, timeout: .seconds(300)))
            #expect(process.terminationReason == .exit && [0, 2].contains(process.terminationStatus), "\(process.terminationStatus)")
            #expect(try prometheusSamples(metrics)["billwh_nightly_exit_code"] == Double(process.terminationStatus))
            #expect(try harness.scalar("SELECT count(*) FROM purchases") > 0)
        }
    }

    /// A nightly stopped by SIGTERM (`systemctl stop`, a unit's timeout) writes its metrics file
    /// with exit code 143 and then ends by the signal: the file no longer says the night
    /// before's 0, which kept the exit-code alert quiet.
    @Test func aNightlyStoppedBySIGTERMSaysSoInItsMetrics() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let (env, metrics) = metricsEnvironment(harness)
            #expect(try await runBillwh(["nightly", "--db", harness.databasePath], environment: env).status == 0)
            #expect(try prometheusSamples(metrics)["billwh_nightly_exit_code"] == 0)

            harness.sandbox.faults.delay = .seconds(30)
            let run = try BillwhChild(["nightly", "--db", harness.databasePath], environment: env)
            // It holds the lock, then waits on the vendor.
            let lock = harness.databasePath + ".lock"
            #expect(await run.waitFor { (try? String(contentsOfFile: lock, encoding: .utf8))?.contains("pid \(run.pid)") == true }, "\(run.stderr)")
            try await Task.sleep(for: .seconds(1))
            kill(run.pid, SIGTERM)
            #expect(await awaitExit(run.process, timeout: .seconds(60)))
            harness.sandbox.faults.delay = .zero
            #expect(run.process.terminationReason == .uncaughtSignal && run.process.terminationStatus == SIGTERM, "\(run.stderr)")
            #expect(run.stderr.contains("nightly stopped by signal 15"), "\(run.stderr)")
            #expect(try prometheusSamples(metrics)["billwh_nightly_exit_code"] == 143)
        }
    }

    /// A data check that fails makes the nightly exit 2, with what it fetched committed;
    /// `status --fail-on` and the metrics file say the same.
    @Test func aFailedCheckExits2AndStatusFailOnAndTheMetricsSaySo() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let db = harness.databasePath
            let (env, metrics) = metricsEnvironment(harness, days: 40)
            #expect(try await runBillwh(["migrate", "--db", db]).status == 0)
            // Reconcile then writes a margin that is not sell − cost: a broken rule, as a bug would.
            let sabotage = try await runBillwh(["query", "--db", db, "--write", """
                CREATE TRIGGER test_sabotage AFTER INSERT ON purchases WHEN NEW.match_status = 'matched'
                BEGIN UPDATE purchases SET margin_micros = margin_micros + 1 WHERE purchase_id = NEW.purchase_id; END
                """])
            #expect(sabotage.status == 0, "\(sabotage.stderr)")

            let run = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("data checks failed: cost_sell_margin_consistent"), "\(run.stderr)")
            #expect(run.stderr.contains("what this run fetched is committed"), "\(run.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines") > 0)
            #expect(try harness.scalar("SELECT count(*) FROM purchases") > 0)

            func status(_ conditions: String) async throws -> ProcessResult {
                try await runBillwh(["status", "--db", db, "--fail-on", conditions])
            }
            let checks = try await status("checks")
            #expect(checks.status == 1 && checks.stderr.contains("cost_sell_margin_consistent"), "\(checks.stderr)")
            #expect(try await status("stale").status == 0)
            #expect(try await status("quarantine,stale=2").status == 0)
            #expect(try await status("sometimes").status == 64)

            // The metrics: Prometheus' own parser reads the file.
            let samples = try prometheusSamples(metrics)
            #expect(samples["billwh_nightly_exit_code"] == 2)
            #expect(samples["billwh_nightly_failed_checks"] == 1)
            #expect(samples["billwh_nightly_check_failed{check=cost_sell_margin_consistent}"] == 1)
            #expect(samples["billwh_nightly_check_failed{check=document_totals}"] == 0)
            // A reminder is no failed check: an alert on check_failed does not fire for it.
            #expect(samples["billwh_nightly_check_failed{check=months_closed_in_time}"] == nil)
            #expect(samples["billwh_nightly_reminder{check=months_closed_in_time}"] != nil)
            let lines = try harness.read { db in
                try Row.fetchAll(db, sql: "SELECT vendor, endpoint, sum(lines) AS lines FROM ingest_runs GROUP BY vendor, endpoint")
            }
            #expect(lines.count == 4)
            for row in lines {
                let key = "billwh_nightly_lines{endpoint=\(row["endpoint"] as String),vendor=\(row["vendor"] as String)}"
                #expect(samples[key] == Double(row["lines"] as Int), "\(key)")
            }
            let lastSuccess = try #require(samples["billwh_nightly_last_success_timestamp_seconds"])
            #expect(abs(lastSuccess - Date().timeIntervalSince1970) < 600)
            #expect(samples["billwh_nightly_duration_seconds"].map { $0 > 0 } == true)

            // Quarantine, then staleness.
            #expect(try await runBillwh(["query", "--db", db, "--write", "DROP TRIGGER test_sabotage"]).status == 0)
            harness.sandbox.faults.setDrift([.dropKey("SKU")], path: DriftTests.copacoPaths)
            let drifted = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(drifted.status == 2, "\(drifted.stderr)")
            let quarantine = try await status("quarantine")
            #expect(quarantine.status == 1 && quarantine.stderr.contains("quarantined"), "\(quarantine.stderr)")
            #expect(try prometheusSamples(metrics)["billwh_nightly_quarantined{endpoint=invoices,vendor=copaco}"].map { $0 > 0 } == true)
            func readLast(_ modifier: String) async throws {
                let sql = "UPDATE ingest_runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '\(modifier)')"
                #expect(try await runBillwh(["query", "--db", db, "--write", sql]).status == 0)
            }
            try await readLast("-30 hours")
            let stale = try await status("stale=24")
            #expect(stale.status == 1 && stale.stderr.contains("stale: twotcloud/customerinvoices last read"), "\(stale.stderr)")
            #expect(stale.stderr.contains("(30 hours ago), limit 24 hours"), "\(stale.stderr)")
            #expect(try await status("stale=31").status == 0)
            // A run whose last chunk of an endpoint failed did not read it, though its first came.
            let lastRun = "(SELECT max(run_id) FROM ingest_runs WHERE vendor = 'copaco' AND endpoint = 'invoices')"
            for sql in ["UPDATE ingest_runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE run_id = \(lastRun) AND vendor = 'copaco' AND endpoint = 'invoices'",
                        "UPDATE ingest_runs SET status = 'failed' WHERE ingest_id = (SELECT max(ingest_id) FROM ingest_runs WHERE run_id = \(lastRun) AND vendor = 'copaco' AND endpoint = 'invoices')"] {
                #expect(try await runBillwh(["query", "--db", db, "--write", sql]).status == 0)
            }
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE vendor = 'copaco' AND endpoint = 'invoices' AND status IN ('ok', 'partial') AND finished_at > strftime('%Y-%m-%dT%H', 'now', '-1 hours')") > 0)
            let partly = try await status("stale=24")
            #expect(partly.status == 1 && partly.stderr.contains("stale: copaco/invoices last read"), "\(partly.stderr)")
            try await readLast("-30 days")
            let nothing = try await status("stale")
            #expect(nothing.status == 1 && nothing.stderr.contains("no vendor endpoint was read in the last 26 hours"), "\(nothing.stderr)")

            // A nightly that cannot even start still writes its exit code.
            try Data("not a database, just text long enough to be read as a header................................".utf8)
                .write(to: URL(fileURLWithPath: db))
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
            let broken = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(broken.status == 1 && broken.stderr.contains("is not a SQLite database"), "\(broken.stderr)")
            #expect(try prometheusSamples(metrics)["billwh_nightly_exit_code"] == 1)
        }
    }

    /// A rule broken by hand (`query --write`) is found by the next nightly, which checks the
    /// whole warehouse after a hand write, and it stays failed in every nightly (and in
    /// `status --fail-on checks`) until it is mended; the nightly otherwise checks only what it changed.
    @Test func aRuleBrokenByHandFailsEveryNightlyUntilMended() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            let env = environment(harness, days: 40)
            let first = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            let id = try harness.scalar("SELECT min(purchase_id) FROM purchases WHERE match_status = 'matched'")
            func write(_ sql: String) async throws {
                let run = try await runBillwh(["query", "--db", db, "--write", sql])
                #expect(run.status == 0, "\(run.stderr)")
            }
            try await write("UPDATE purchases SET cost_micros = cost_micros + 1 WHERE purchase_id = \(id)")
            for night in 0..<2 {
                let run = try await runBillwh(["nightly", "--db", db], environment: env)
                #expect(run.status == 2 && run.stderr.contains("cost_sell_margin_consistent"), "night \(night): \(run.stderr)")
                #expect(try await runBillwh(["status", "--db", db, "--fail-on", "checks"]).status == 1)
            }
            try await write("UPDATE purchases SET cost_micros = cost_micros - 1 WHERE purchase_id = \(id)")
            let mended = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(mended.status == 0, "\(mended.stderr)")
            #expect(try await runBillwh(["status", "--db", db, "--fail-on", "checks"]).status == 0)
            #expect(try harness.scalar("SELECT count(*) FROM runs WHERE command = 'query --write' AND outcome = 'ok'") == 2)
        }
    }

    /// A nightly whose only vendor is down (exit 1) still takes its backup: what only this
    /// file holds must not go without one for as long as the vendor is away.
    @Test func aNightlyWhoseEveryVendorFailedStillTakesItsBackup() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            #expect(try await harness.runner.nightly(window: history).outcome == .ok)
            var settings = harness.settings
            settings.copaco?.baseURL = "http://127.0.0.1:\(try FaultMatrixTests.deadPort())"
            settings.retryPolicy.maxTotal = .milliseconds(300)
            let folder = harness.directory.appendingPathComponent("backups").path
            settings.backup = BackupSettings(directory: folder)
            let runner = PipelineRunner(databasePath: harness.databasePath, settings: settings, logger: harness.logs.logger, today: today)
            let down = try await runner.nightly()
            #expect(down.outcome == .failed)
            #expect(WarehouseBackup.copies(in: folder, databasePath: harness.databasePath).count == 1)
        }
    }

    /// With BILLWH_FILE_GROUP the warehouse, its companions and the backups belong to that
    /// group, mode 0640; an unknown group is refused with what to do.
    @Test func filesGoToTheConfiguredGroup() async throws {
        let group = try #require(otherGroup(), "no group other than the process's own to test with (as root: daemon)")
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            var env = environment(harness, days: 10)
            env["BILLWH_FILE_GROUP"] = group.name
            env["BILLWH_BACKUP_DIR"] = harness.directory.appendingPathComponent("backups").path
            let run = try await runBillwh(["nightly", "--db", db], environment: env)
            #expect(run.status == 0, "\(run.stderr)")
            let copy = try #require(WarehouseBackup.copies(in: env["BILLWH_BACKUP_DIR"]!, databasePath: db).first)
            for path in [db, copy] {
                var info = stat()
                #expect(stat(path, &info) == 0)
                #expect(info.st_gid == group.id, "\(path)")
                #expect(info.st_mode & 0o777 == 0o640, "\(path)")
            }
            env["BILLWH_FILE_GROUP"] = "no-such-group-billwh"
            let unknown = try await runBillwh(["nightly", "--db", harness.directory.appendingPathComponent("other.sqlite").path], environment: env)
            #expect(unknown.status == 64 && unknown.stderr.contains("groupadd no-such-group-billwh"), "\(unknown.stderr)")
        }
    }

    /// A fresh demo passes its own checks: it closes the back-filled months, as accounting
    /// would, so neither its nightly nor `billwh check` finds anything, and it took a backup.
    @Test func aFreshDemoPassesItsOwnChecks() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try await runBillwh(["demo", "--dir", dir.path])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("Data checks: all passed"), "\(demo.stdout)")
        #expect(!demo.stderr.contains("checks failed") && !demo.stderr.contains("reminder"), "\(demo.stderr)")
        let db = dir.appendingPathComponent("billwh.sqlite").path
        let check = try await runBillwh(["check", "--db", db])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(WarehouseBackup.copies(in: dir.appendingPathComponent("backups").path, databasePath: db).count == 1)
    }

    // MARK: helpers

    func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    /// Overwrites the root page of `table` with garbage, after folding the WAL into the file.
    func corruptPage(of table: String, in path: String) throws {
        let (root, pageSize) = try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = ?", arguments: [table]) ?? 0,
                    try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
        #expect(root > 1)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()
    }

    /// A group this process may give files to, other than its own.
    func otherGroup() -> (name: String, id: gid_t)? {
        let own = getegid()
        var ids = [gid_t](repeating: 0, count: 64)
        let count = getgroups(Int32(ids.count), &ids)
        var candidates = ids.prefix(max(0, Int(count))).filter { $0 != own }
        if geteuid() == 0, let daemon = getgrnam("daemon") { candidates.insert(daemon.pointee.gr_gid, at: 0) }
        for id in candidates {
            if let group = getgrgid(id) { return (String(cString: group.pointee.gr_name), id) }
        }
        return nil
    }
}
