import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport
import Warehouse

/// The real `billwh` binary: exit codes, lock, export files, and what it prints.
@Suite(.serialized) struct CommandLineTests {
    func environment(_ harness: Harness, key: String? = nil) -> [String: String] {
        ["BILLWH_COPACO_BASE_URL": harness.sandbox.baseURL,
         "BILLWH_COPACO_API_KEY": key ?? harness.apiKey,
         "BILLWH_LOOKBACK_DAYS": "400"]
    }

    /// The demo replaces what it finds in --dir: it refuses a folder holding anything not a
    /// demo's (a real warehouse above all), a file, and a folder whose warehouse a run holds,
    /// leaving each as it was.
    @Test func theDemoNeverReplacesAWarehouseNotItsOwn() async throws {
        let folder = try TempDir()
        let real = folder.path("prod")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let db = real + "/billwh.sqlite"
        #expect(try await runBillwh(["migrate", "--db", db]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let refused = try await runBillwh(["demo", "--dir", real])
        #expect(refused.status == 64 && refused.stderr.contains("not a demo's"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        let file = folder.path("a-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let onFile = try await runBillwh(["demo", "--dir", file])
        #expect(onFile.status == 64 && onFile.stderr.contains("is a file"), "\(onFile.stderr)")

        // A demo's own folder whose warehouse a run holds: exit 75, the warehouse left alone.
        let demo = folder.path("demo")
        try FileManager.default.createDirectory(atPath: demo, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: demo + "/.billwh-demo", contents: Data()))
        #expect(try await runBillwh(["migrate", "--db", demo + "/billwh.sqlite"]).status == 0)
        let lock = try RunLock.acquire(databasePath: demo + "/billwh.sqlite", command: "test")
        let busy = try await runBillwh(["demo", "--dir", demo])
        lock.release()
        #expect(busy.status == 75, "\(busy.stderr)")
        #expect(FileManager.default.fileExists(atPath: demo + "/billwh.sqlite"))
    }

    /// An unknown BILLWH_FILE_GROUP is refused by an export and a report as by every command
    /// (the files used to get the process's group without a word).
    @Test func anUnknownFileGroupIsRefusedByExportsAndReports() async throws {
        let folder = try TempDir()
        let db = folder.path("w.sqlite")
        #expect(try await runBillwh(["migrate", "--db", db]).status == 0)
        let env = ["BILLWH_FILE_GROUP": "no-such-group-billwh"]
        for command in [["export", "purchases", "--out", folder.path("p.csv")], ["report", "html", "--out", folder.path("r.html")]] {
            let run = try await runBillwh(command + ["--db", db], environment: env)
            #expect(run.status != 0 && run.stderr.contains("groupadd no-such-group-billwh"), "\(command): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("p.csv")) && !FileManager.default.fileExists(atPath: folder.path("r.html")))
    }

    /// A file a stopped migrate (or an older billwh) left behind: `status` refuses it naming
    /// `billwh migrate`, an analyst's `query` still reads it, and after the migrate all is well.
    @Test func aFileWhoseMigrationsAreBehindIsRefusedByStatusAndReadByQuery() async throws {
        let folder = try TempDir()
        let db = folder.path("w.sqlite")
        let queue = try DatabaseQueue(path: db)
        _ = try Migrations.migrate(queue, migrations: Array(Migrations.embedded.prefix(3)))
        try queue.close()
        let status = try await runBillwh(["status", "--db", db])
        #expect(status.status == 1 && status.stderr.contains("schema version") && status.stderr.contains("billwh migrate --db \(db)"),
                "\(status.stderr)")
        let query = try await runBillwh(["query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM schema_migrations"])
        #expect(query.status == 0 && query.stdout.split(whereSeparator: \.isNewline) == ["n", "3"], "\(query.stdout) \(query.stderr)")
        #expect(try await runBillwh(["migrate", "--db", db]).status == 0)
        let after = try await runBillwh(["status", "--db", db])
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test func nightlyThenExportParsesWithPythonInBothVariants() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let env = environment(harness)
            let nightly = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(nightly.status == 0, "\(nightly.stderr)")
            #expect(!nightly.stderr.contains(harness.apiKey) && !nightly.stdout.contains(harness.apiKey))

            let plain = harness.directory.appendingPathComponent("p.csv").path
            let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--out", plain])
            #expect(export.status == 0, "\(export.stderr)")
            let excel = harness.directory.appendingPathComponent("e.csv").path
            let export2 = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--delimiter", ";", "--decimal-comma", "--bom", "--out", excel])
            #expect(export2.status == 0, "\(export2.stderr)")

            // Python's csv reads both; amounts summed exactly (as integers of micro-units) equal the database.
            let script = """
                import csv, sys
                path, delim, comma = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
                def micros(text):
                    if text == '': return 0
                    text = text.replace(',', '.') if comma else text
                    neg = text.startswith('-'); text = text.lstrip('-')
                    units, _, frac = text.partition('.')
                    value = int(units) * 1000000 + int((frac + '000000')[:6])
                    return -value if neg else value
                with open(path, newline='', encoding='utf-8-sig') as f:
                    rows = list(csv.reader(f, delimiter=delim))
                header, body = rows[0], rows[1:]
                i = {name: n for n, name in enumerate(header)}
                print(len(header), len(body), sum(micros(r[i['cost']]) for r in body), sum(micros(r[i['sell']]) for r in body),
                      sum(micros(r[i['margin']]) for r in body))
                """
            let cost = try harness.scalar("SELECT sum(cost_micros) FROM purchases")
            let sell = try harness.scalar("SELECT sum(sell_micros) FROM purchases")
            let margin = try harness.scalar("SELECT sum(margin_micros) FROM purchases")
            let count = try harness.scalar("SELECT count(*) FROM purchases")
            let expected = "23 \(count) \(cost) \(sell) \(margin)"
            #expect(try python(script, arguments: [plain, ",", "0"]).trimmingCharacters(in: .whitespacesAndNewlines) == expected)
            #expect(try python(script, arguments: [excel, ";", "1"]).trimmingCharacters(in: .whitespacesAndNewlines) == expected)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: excel))
            #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
            #expect(try Data(contentsOf: URL(fileURLWithPath: plain)).prefix(1000).range(of: Data("\r\n".utf8)) != nil)

            // Status and query read the same file.
            let status = try await runBillwh(["status", "--db", harness.databasePath])
            #expect(status.status == 0 && status.stdout.contains("customer-specifications"))
            let query = try await runBillwh(["query", "--db", harness.databasePath, "--format", "csv", "SELECT count(*) AS n FROM purchases"])
            #expect(query.status == 0 && query.stdout.contains("\(count)"))
            let refused = try await runBillwh(["query", "--db", harness.databasePath, "DELETE FROM purchases"])
            #expect(refused.status == 1 && refused.stderr.contains("--write"))
            #expect(try harness.scalar("SELECT count(*) FROM purchases") == count)
        }
    }

    @Test func exitCodesForAWrongKeyAPartialRunAndBadUsage() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let wrongKey = "wrong-\(UUID().uuidString)"
            let failed = try await runBillwh(["nightly", "--db", harness.databasePath], environment: environment(harness, key: wrongKey))
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("BILLWH_COPACO_API_KEY"))
            #expect(!failed.stderr.contains(wrongKey) && !failed.stdout.contains(wrongKey))

            harness.sandbox.faults.corruptDocument(invoiceID: harness.sandbox.copacoData.documents(.invoices, from: "2026-01-01", to: "2026-11-23").last!.invoiceID)
            let partial = try await runBillwh(["nightly", "--db", harness.databasePath], environment: environment(harness))
            #expect(partial.status == 2, "\(partial.stderr)")

            #expect(try await runBillwh(["ingest", "--db", harness.databasePath, "--since", "2026-13-01"], environment: environment(harness)).status == 64)
            let future = try await runBillwh(["ingest", "--db", harness.databasePath, "--since", "2026-01-01", "--until", "2099-12-31"], environment: environment(harness))
            #expect(future.status == 64 && future.stderr.contains("--until 2099-12-31 is after today"), "\(future.stderr)")
            #expect(try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--delimiter", "|"]).status == 64)
            let ancient = try await runBillwh(["ingest", "--db", harness.databasePath, "--since", "0026-01-01"], environment: environment(harness))
            #expect(ancient.status == 64 && ancient.stderr.contains("check the year"), "\(ancient.stderr)")
            // --until alone: ingest reads the lookback window ending then; rederive everything up to it.
            let until = try await runBillwh(["ingest", "--db", harness.databasePath, "--vendor", "copaco", "--until", "2026-10-31"],
                                            environment: environment(harness).merging(["BILLWH_LOOKBACK_DAYS": "10"]) { $1 })
            #expect(until.status == 0, "\(until.stderr)")
            let window = try harness.read { try Row.fetchOne($0, sql: "SELECT min(window_start), max(window_end) FROM ingest_runs WHERE run_id = (SELECT max(run_id) FROM ingest_runs)") }
            #expect(window?[0] as String? == "2026-10-21" && window?[1] as String? == "2026-10-31", "\(String(describing: window))")
            let rederived = try await runBillwh(["rederive", "--db", harness.databasePath, "--until", "2026-10-31"])
            #expect(rederived.status == 0 && rederived.stderr.contains(" unchanged"), "\(rederived.stderr)")
            // An empty --db is a script's unset variable: said, not read as the default file.
            for command in [["migrate"], ["query", "SELECT 1"]] {
                let empty = try await runBillwh([command[0], "--db", ""] + command.dropFirst(), environment: ["BILLWH_DB": harness.databasePath])
                #expect(empty.status == 64 && empty.stderr.contains("--db is empty"), "\(command): \(empty.status) \(empty.stderr)")
            }
            // A folder as the warehouse is said before any lock file is made beside it; an empty
            // file or another program's database is no warehouse, in words.
            let folder = harness.directory.path
            for command in [["status"], ["rederive"], ["query", "SELECT 1"], ["backup", "--to", folder + "/b"]] {
                let run = try await runBillwh([command[0], "--db", folder] + command.dropFirst())
                #expect(run.status == 64 && run.stderr.contains("is a folder"), "\(command): \(run.status) \(run.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: folder + ".lock"))
            let blank = harness.directory.appendingPathComponent("blank.sqlite").path
            #expect(FileManager.default.createFile(atPath: blank, contents: nil))
            let other = harness.directory.appendingPathComponent("other.sqlite").path
            #expect(try await runBillwh(["query", "--db", harness.databasePath, "--write", "VACUUM INTO '\(other)'"]).status == 0)
            try await DatabaseQueue(path: other).write { db in try db.execute(sql: "DROP TABLE schema_migrations") }
            for path in [blank, other] {
                for command in [["status"], ["vendors"], ["export", "purchases"], ["query", "SELECT 1"]] {
                    let run = try await runBillwh([command[0]] + command.dropFirst() + ["--db", path])
                    #expect(run.status == 1 && run.stderr.contains("is not a billwh warehouse") && !run.stderr.contains("SELECT"),
                            "\(command): \(run.status) \(run.stderr)")
                }
            }
            // Commands that write leave another program's database as it was; an empty file is made a warehouse.
            let foreign = harness.directory.appendingPathComponent("foreign.sqlite").path
            try await DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE contacts (name TEXT)") }
            for command in [["migrate"], ["reconcile"], ["query", "--write", "SELECT 1"]] {
                let run = try await runBillwh([command[0], "--db", foreign] + command.dropFirst())
                #expect(run.status == 1 && run.stderr.contains("another program's SQLite database (it has a table contacts"), "\(command): \(run.status) \(run.stderr)")
            }
            #expect(try await DatabaseQueue(path: foreign).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master") } == ["contacts"])
            #expect(try await runBillwh(["migrate", "--db", blank]).status == 0)
            // A text file is not called a damaged warehouse, and is left as it was.
            let notes = harness.directory.appendingPathComponent("notes.txt").path
            #expect(FileManager.default.createFile(atPath: notes, contents: Data(String(repeating: "meeting notes\n", count: 200).utf8)))
            for command in [["migrate"], ["query", "SELECT 1"], ["status"]] {
                let run = try await runBillwh([command[0], "--db", notes] + command.dropFirst())
                #expect(run.status == 1 && run.stderr.contains("is not a SQLite database") && !run.stderr.contains("damaged"),
                        "\(command): \(run.status) \(run.stderr)")
            }
            #expect(try String(contentsOfFile: notes, encoding: .utf8) == String(repeating: "meeting notes\n", count: 200))
            for group in ["export", "report", "publish"] {
                let alone = try await runBillwh([group])
                #expect(alone.status == 64 && alone.stderr.contains("\(group) needs a subcommand: `billwh \(group) "), "\(group): \(alone.status) \(alone.stderr)")
            }
            let bare = try await runBillwh([])
            #expect(bare.status == 64 && bare.stderr.contains("SUBCOMMANDS") && bare.stdout.isEmpty, "\(bare.status) \(bare.stderr)")
            for sql in ["", " ;\n"] {
                let empty = try await runBillwh(["query", "--db", harness.databasePath, sql])
                #expect(empty.status == 64 && empty.stderr.contains("the SQL is empty"), "\(empty.stderr)")
            }
            let restoreFolder = try await runBillwh(["restore", "--db", harness.databasePath, "--from", folder])
            #expect(restoreFolder.status == 1 && restoreFolder.stderr.contains("is a folder"), "\(restoreFolder.stderr)")
            let unwritable = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--out", "/nonexistent-dir/x.csv"])
            #expect(unwritable.status == 1 && unwritable.stderr.contains("/nonexistent-dir/x.csv"))
        }
    }

    @Test func aSecondRunExitsAtOnceNamingTheHolder() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let lock = try RunLock.acquire(databasePath: harness.databasePath, command: "nightly")
            let second = try await runBillwh(["nightly", "--db", harness.databasePath], environment: environment(harness))
            #expect(second.status == 75)
            #expect(second.stderr.contains("pid \(getpid())"))
            // The same warehouse through a symlink of another name takes the same lock.
            let folder = try TempDir()
            let alias = folder.path("alias.sqlite")
            try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: harness.databasePath)
            let throughAlias = try await runBillwh(["nightly", "--db", alias], environment: environment(harness))
            #expect(throughAlias.status == 75, "\(throughAlias.stderr)")
            lock.release()
            let third = try await runBillwh(["nightly", "--db", harness.databasePath], environment: environment(harness))
            #expect(third.status == 0, "\(third.stderr)")
        }
    }

    /// Monitoring reads the metrics file: a nightly that could not write it is not all good.
    @Test func aMetricsFileThatCannotBeWrittenMakesTheNightlyPartial() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            var env = environment(harness)
            env["BILLWH_METRICS_FILE"] = "/nonexistent-\(UUID().uuidString)/billwh.prom"
            let run = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("BILLWH_METRICS_FILE") && run.stderr.contains("does not exist"), "\(run.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM purchases") > 0)
        }
    }

    /// A log level that is no level is said, and the run goes on at info; the case is free.
    @Test func aLogLevelThatIsNoLevelIsSaidAndTheRunGoesOn() async throws {
        let folder = try TempDir()
        let db = folder.path("w.sqlite")
        let typo = try await runBillwh(["reconcile", "--db", db], environment: ["BILLWH_LOG_LEVEL": "verbose"])
        #expect(typo.status == 0, "\(typo.stderr)")
        #expect(typo.stderr.contains("BILLWH_LOG_LEVEL=verbose is not a level (trace, debug, info") && typo.stderr.contains("logging at info"),
                "\(typo.stderr)")
        let upper = try await runBillwh(["reconcile", "--db", db], environment: ["BILLWH_LOG_LEVEL": "DEBUG"])
        #expect(upper.status == 0 && !upper.stderr.contains("is not a level"), "\(upper.stderr)")
    }

    /// A warehouse path whose folder is missing is a failure to fix (exit 1, naming the folder),
    /// not a held lock (75), which a scheduler would skip quietly night after night.
    @Test func aWarehouseInAMissingFolderFailsNamingTheFolder() async throws {
        let folder = "/nonexistent-\(UUID().uuidString)"
        for command in ["nightly", "ingest", "reconcile", "backup"] {
            let arguments = [command, "--db", "\(folder)/w.sqlite"] + (command == "backup" ? ["--to", NSTemporaryDirectory()] : [])
            let result = try await runBillwh(arguments, environment: ["BILLWH_COPACO_API_KEY": "k", "BILLWH_COPACO_BASE_URL": "http://127.0.0.1:9"])
            #expect(result.status == 1, "\(command): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(folder) && !result.stderr.contains("holds the lock"), "\(command): \(result.stderr)")
        }
    }

    /// Another program holding the file mid-write (a database tool) is no billwh run: after the
    /// busy timeout the command fails (exit 1, not 75) and says how to find the program.
    @Test func anotherProgramHoldingTheFileIsAFailureNotAnOverlap() async throws {
        let folder = try TempDir.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("w.sqlite").path
        try WarehouseDatabase.openForWriting(path: path).close()
        // A plain SQLite connection, as a database tool's, left inside a write transaction.
        var tool = Configuration()
        tool.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: path, configuration: tool)
        try await queue.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let held = try await runBillwh(["reconcile", "--db", path])
        try await queue.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        #expect(held.status == 1, "\(held.stderr)")
        #expect(held.stderr.contains("is locked by another process") && held.stderr.contains("fuser -v \(path)"), "\(held.stderr)")
        #expect(try await runBillwh(["reconcile", "--db", path]).status == 0)
    }

    /// A first load has the file to itself: a reading command waits out its busy timeout, then
    /// says what holds the file and exits as for a held lock; once the load ends, it reads.
    @Test func aReadDuringAFirstLoadSaysWhatHoldsTheFile() async throws {
        let folder = try TempDir.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("w.sqlite").path
        let queue = try WarehouseDatabase.openForWriting(path: path)
        #expect(try await queue.writeWithoutTransaction { try FirstLoadJournal.begin($0) })
        try await queue.write { try $0.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (1, 'test', 1, 'now')") }
        // The load's run lock names it (INTERFACE: exit 75 names the holder's pid and start).
        let lock = try RunLock.acquire(databasePath: path, command: "nightly")
        let during = try await runBillwh(["query", "--db", path, "SELECT count(*) FROM runs"])
        #expect(during.status == 75, "\(during.stderr)")
        #expect(during.stderr.contains("is locked by another process") && during.stderr.contains("first load into an empty warehouse"),
                "\(during.stderr)")
        #expect(during.stderr.contains("the billwh run holding it is pid \(getpid()), nightly, started 20"), "\(during.stderr)")
        lock.release()
        try await queue.writeWithoutTransaction { try FirstLoadJournal.end($0) }
        let after = try await runBillwh(["query", "--db", path, "--format", "csv", "SELECT count(*) AS runs FROM runs"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.split(whereSeparator: \.isNewline) == ["runs", "1"])
    }

    @Test func secretFromAnOwnerOnlyFile() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let file = harness.directory.appendingPathComponent("key")
            try Data((harness.apiKey + "\n").utf8).write(to: file)
            chmod(file.path, 0o644)
            var env = environment(harness)
            env["BILLWH_COPACO_API_KEY"] = nil
            env["BILLWH_COPACO_API_KEY_FILE"] = file.path
            let open = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(open.status == 64 && open.stderr.contains("chmod 600"), "\(open.stderr)")
            chmod(file.path, 0o600)
            let ok = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(ok.status == 0, "\(ok.stderr)")
        }
    }

    /// On a terminal (a pty from util-linux's `script`) the progress status line stays at the
    /// bottom: every log line begins on a cleared line, never after the status text.
    @Test func onATerminalEachLogLineStartsOnAClearedLine() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let command = [try billwhBinary().path, "ingest", "--db", harness.databasePath, "--since", "2026-08-01"]
                .map { "'\($0)'" }.joined(separator: " ")
            var env = environment(harness)
            env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
            let run = try await runCapturing(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], environment: env)
            #expect(run.status == 0, "\(run.stdout)")
            let clear = "\r\u{1B}[K"
            let segments = run.stdout.components(separatedBy: clear)
            #expect(segments.contains { $0.hasPrefix("copaco/invoices: window 1/") }, "a status line per window")
            let logs = segments.filter { $0.contains(" billwh: [") }
            #expect(logs.count >= 2)
            for segment in logs where !(segment.first?.isNumber ?? false) {
                Issue.record("a log line starts after other text: \(segment.prefix(160).debugDescription)")
            }
        }
    }

    /// Every command's `--help`, found by walking the SUBCOMMANDS lists from the top: it exits 0,
    /// has an overview and a usage line, and carries no stray line-continuation backslash.
    @Test func everyCommandHasHelpWithoutStrayBackslashes() async throws {
        var pending: [[String]] = [[]]
        var seen = 0
        while let path = pending.popLast() {
            let help = try await runBillwh(path + ["--help"])
            let name = (["billwh"] + path).joined(separator: " ")
            #expect(help.status == 0, "\(name): \(help.stderr)")
            #expect(help.stdout.hasPrefix("OVERVIEW: "), "\(name)")
            #expect(help.stdout.contains("USAGE: \(name)"), "\(name)")
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(!lines.contains { $0.hasSuffix("\\") }, "\(name):\n\(help.stdout)")
            seen += 1
            guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { continue }
            for line in lines[(start + 1)...] {
                // A subcommand's own line: two spaces, then its name (continuations are indented further).
                guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  See ") else { continue }
                let sub = String(line.dropFirst(2).prefix { $0 != " " })
                if sub != "help" { pending.append(path + [sub]) }
            }
        }
        #expect(seen > 25, "walked \(seen) commands")
        // A port out of range is bad usage, for the sandbox as for serve (not a port modulo 65536).
        // A negative one is a bad port too, not a missing value.
        for command in ["sandbox", "serve"] {
            for port in ["99999", "-1"] {
                let result = try await runBillwh([command, "--port", port])
                #expect(result.status == 64 && result.stderr.contains("'\(port)' is invalid for '--port <port>'")
                        && result.stderr.contains("a port is 0 (any free port) to 65535"), "\(command): \(result.stderr)")
            }
        }
        // Copper configured with nothing to publish is a setting to fix (64), not a failed run.
        let nothing = try await runBillwh(["publish", "copper", "--month", "2026-10", "--db", "/nonexistent/w.sqlite"],
                                          environment: ["BILLWH_COPPER_ACCESS_TOKEN": "token-1234", "BILLWH_COPPER_USER_EMAIL": "a@b.c"])
        #expect(nothing.status == 64 && nothing.stderr.contains("nothing to publish"), "\(nothing.stderr)")
        // The sandbox's dates are checked before it serves: a mistyped one, or an empty span.
        let backwards = try await runBillwh(["sandbox", "--from", "2026-01-01", "--today", "2025-01-01"])
        #expect(backwards.status == 64 && backwards.stderr.contains("--from 2026-01-01 is after --today 2025-01-01"), "\(backwards.stderr)")
        let noDay = try await runBillwh(["sandbox", "--today", "2026-13-01"])
        #expect(noDay.status == 64 && noDay.stderr.contains("no such day in the calendar"), "\(noDay.stderr)")
        // Volumes past any benchmark's are refused before the data is generated in memory.
        let huge = try await runBillwh(["sandbox", "--scale", "1000000000"])
        #expect(huge.status == 64 && huge.stderr.contains("--scale 1 to"), "\(huge.stderr)")
        // rederive offers only the vendors it can decode again, and says why not Copper.
        let rederiveHelp = try await runBillwh(["rederive", "--help"]).stdout
        #expect(rederiveHelp.contains("copaco, twotcloud") && !rederiveHelp.contains("copper"), "\(rederiveHelp)")
        let copper = try await runBillwh(["rederive", "--vendor", "copper"])
        #expect(copper.status == 64 && copper.stderr.contains("Copper's companies are read from Copper by nightly"), "\(copper.stderr)")
        let top = try await runBillwh(["--help"]).stdout
        for code in ["0   all done", "1   failed:", "2   partial:", "64  bad usage", "75  another run holds the lock"] {
            #expect(top.contains(code), "\(code)")
        }
    }
}
