import Foundation
import GRDB
import Warehouse

// Helpers for the crash, fault, disk and secrets tests: a `billwh` child that can be killed,
// and a dump of the warehouse that two runs can be compared by.

/// A `billwh` child process, optionally started through `bash -c <prefix>; exec billwh ...`
/// (for `ulimit`, `umask`, `trap`), with stdout and stderr in files.
final class BillwhChild {
    let process = Process()
    let directory: URL
    let started = ContinuousClock.now

    init(_ arguments: [String], environment: [String: String], shellPrefix: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = try billwhBinary().path
        if let shellPrefix {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "\(shellPrefix); exec \"$0\" \"$@\"", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        for name in ["stdout", "stderr"] {
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil)
        }
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("stderr"))
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }

    /// `kill -9` now. False if the process had already exited on its own.
    @discardableResult
    func killHard() -> Bool {
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Waits for the exit (at most `timeout`, then kills) and returns the exit status.
    @discardableResult
    func wait(timeout: Duration = .seconds(300)) async -> Int32 {
        _ = await awaitExit(process, timeout: timeout)
        return process.terminationStatus
    }

    /// Polls until `condition` holds or the process ends; true if it held.
    func waitFor(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if condition() { return true }
            if !process.isRunning { return condition() }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }
}

/// `billwh sandbox` in a process of its own, on an ephemeral loopback port: for tests whose
/// children make thousands of requests while the rest of the suite keeps this process's few
/// cooperative threads busy (an in-process sandbox then answers late, and a test of minutes
/// takes ten). Stopped by its PID.
final class SandboxProcess: Stoppable {
    let child: BillwhChild
    /// The variables it prints for Copaco and 2tCloud (Copper's are left out).
    let environment: [String: String]
    let directory: URL

    init(today: CalendarDate, seed: UInt64 = 42) async throws {
        child = try BillwhChild(["sandbox", "--port", "0", "--seed", "\(seed)", "--today", today.description], environment: [:])
        let child = child
        func variables() -> [String: String] {
            var found: [String: String] = [:]
            for line in child.stdout.split(separator: "\n") {
                guard let assignment = line.trimmingCharacters(in: .whitespaces).firstMatch(of: #/^export (BILLWH_(?:COPACO|TWOTCLOUD)_\w+)=(\S+)$/#)
                else { continue }
                found[String(assignment.1)] = String(assignment.2)
            }
            return found
        }
        guard await child.waitFor(timeout: .seconds(60), { variables().count == 5 }) else {
            child.killHard()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "billwh sandbox did not start: \(child.stderr)"])
        }
        environment = variables()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func stop() async {
        child.killHard()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Days from `start` to the real UTC today: the CLI's lookback window is relative to the real
/// date, the sandbox's data ends on the Harness's fixed `today`.
func lookbackDays(coveringFrom start: CalendarDate) -> Int {
    let days = CalendarDate.today().daysSinceEpoch - start.daysSinceEpoch
    return max(0, days)
}

/// Whether the run lock of `databasePath` can be taken at once (nobody holds it).
func runLockIsFree(_ databasePath: String) -> Bool {
    let fd = open(databasePath + ".lock", O_RDWR)
    guard fd >= 0 else { return true }
    defer { close(fd) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
    flock(fd, LOCK_UN)
    return true
}

enum WarehouseDump {
    /// `PRAGMA integrity_check` ("ok" when sound), also of a file a kill left before it was a
    /// warehouse (no schema_migrations yet); the connection rolls back a hot journal first.
    static func integrity(_ path: String) throws -> String {
        try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }

    /// Every table that holds warehouse data, each as sorted rows of text, without surrogate
    /// ids and timestamps; references to lines and raw versions are replaced by what they point
    /// at (vendor|endpoint|document|line index|content hash). Two warehouses with equal dumps
    /// hold the same documents, versions, lines, purchases, quarantine and queue.
    static func dump(_ path: String) throws -> [String: [String]] {
        try WarehouseDatabase.openReadOnly(path: path).read { db in
            let lineKey = """
                (SELECT s.vendor || '|' || s.endpoint || '|' || s.document_key || '|' || s.line_index || '|' || r.content_sha256
                 FROM staging_lines s JOIN raw_documents r ON r.raw_id = s.raw_id WHERE s.line_id = %@)
                """
            let special: [String: [String: String]] = [
                "raw_documents": ["raw_id": "", "ingest_id": "", "payload": "length(payload)"],
                "documents": ["current_raw_id": "(SELECT content_sha256 FROM raw_documents r WHERE r.raw_id = t.current_raw_id)"],
                "staging_lines": ["line_id": "", "raw_id": "(SELECT content_sha256 FROM raw_documents r WHERE r.raw_id = t.raw_id)"],
                "purchases": [
                    "purchase_id": "",
                    "incoming_line_id": lineKey.replacingOccurrences(of: "%@", with: "t.incoming_line_id"),
                    "outgoing_line_id": lineKey.replacingOccurrences(of: "%@", with: "t.outgoing_line_id"),
                    "match_candidates": """
                        (SELECT group_concat(k, ',') FROM (SELECT s.vendor || '|' || s.endpoint || '|' || s.document_key || '|' || s.line_index || '|' || r.content_sha256 AS k
                         FROM staging_lines s JOIN raw_documents r ON r.raw_id = s.raw_id
                         WHERE ',' || replace(t.match_candidates, ' ', '') || ',' LIKE '%,' || s.line_id || ',%' ORDER BY k))
                        """,
                ],
                "quarantine": ["quarantine_id": "", "ingest_id": "", "payload": "length(payload)", "resolved_at": "resolved_at IS NOT NULL"],
            ]
            // The ledgers count reads, not data: a killed run read again counts twice
            // (vendor_fields counts each read document's fields); replica_warehouse holds the
            // random id each file draws once.
            let skipped: Set<String> = ["runs", "ingest_runs", "vendor_fields", "replica_warehouse"]
            var result: [String: [String]] = [:]
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables where !skipped.contains(table) {
                let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))")
                var expressions: [String] = []
                for column in info {
                    let name: String = column["name"]
                    let type: String = column["type"]
                    let isIntegerKey = (column["pk"] as Int) > 0 && type.uppercased() == "INTEGER"
                    if let mapped = special[table]?[name] {
                        if !mapped.isEmpty { expressions.append("\(mapped) AS \(name)") }
                    } else if name.hasSuffix("_at") || (special[table] == nil && isIntegerKey) {
                        continue
                    } else {
                        expressions.append("t.\(name)")
                    }
                }
                let rows = try Row.fetchAll(db, sql: "SELECT \(expressions.joined(separator: ", ")) FROM \(table) t")
                result[table] = rows.map(\.description).sorted()
            }
            return result
        }
    }

    /// Rows lost and rows extra (duplicated or different) of `got` against `reference`.
    static func difference(_ reference: [String: [String]], _ got: [String: [String]]) -> (lost: Int, extra: Int, detail: [String]) {
        var lost = 0, extra = 0
        var detail: [String] = []
        for table in Set(reference.keys).union(got.keys).sorted() {
            var counts: [String: Int] = [:]
            for row in reference[table] ?? [] { counts[row, default: 0] += 1 }
            for row in got[table] ?? [] { counts[row, default: 0] -= 1 }
            let missing = counts.values.filter { $0 > 0 }.reduce(0, +)
            let more = -counts.values.filter { $0 < 0 }.reduce(0, +)
            if missing > 0 || more > 0 {
                detail.append("\(table): \(missing) lost, \(more) extra, e.g. \(counts.first { $0.value != 0 }!.key.prefix(300))")
            }
            lost += missing
            extra += more
        }
        return (lost, extra, detail)
    }

    /// What must hold in any warehouse after a completed run: the problems found (empty: none).
    static func structuralProblems(_ path: String) throws -> [String] {
        try WarehouseDatabase.openReadOnly(path: path).read { db in
            let checks: [(String, String, Int64)] = [
                ("foreign key violations", "SELECT count(*) FROM pragma_foreign_key_check", 0),
                ("documents whose version count differs from their raw versions", """
                    SELECT count(*) FROM documents d WHERE d.versions <> (SELECT count(*) FROM raw_documents r
                        WHERE r.vendor = d.vendor AND r.endpoint = d.endpoint AND r.document_key = d.document_key)
                    """, 0),
                ("duplicate raw versions", """
                    SELECT count(*) FROM (SELECT 1 FROM raw_documents GROUP BY vendor, endpoint, document_key, content_sha256 HAVING count(*) > 1)
                    """, 0),
                ("orphan staging rows (raw_id not in raw_documents)",
                 "SELECT count(*) FROM staging_lines WHERE raw_id NOT IN (SELECT raw_id FROM raw_documents)", 0),
                ("staging rows of a version that is not current", """
                    SELECT count(*) FROM staging_lines s JOIN documents d
                      ON d.vendor = s.vendor AND d.endpoint = s.endpoint AND d.document_key = s.document_key
                    WHERE d.current_raw_id <> s.raw_id
                    """, 0),
                ("incoming lines not in exactly one purchase", """
                    SELECT count(*) FROM staging_lines s WHERE s.direction = 'incoming'
                      AND (SELECT count(*) FROM purchases p WHERE p.incoming_line_id = s.line_id) <> 1
                    """, 0),
                ("outgoing lines not in exactly one purchase", """
                    SELECT count(*) FROM staging_lines s WHERE s.direction = 'outgoing'
                      AND (SELECT count(*) FROM purchases p WHERE p.outgoing_line_id = s.line_id) <> 1
                    """, 0),
                ("customers left in the reconcile queue", "SELECT count(*) FROM reconcile_queue", 0),
            ]
            var problems: [String] = []
            let integrity = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? ""
            if integrity != "ok" { problems.append("integrity_check: \(integrity)") }
            for (name, sql, expected) in checks {
                let count = try Int64.fetchOne(db, sql: sql) ?? -1
                if count != expected { problems.append("\(name): \(count)") }
            }
            return problems
        }
    }
}
