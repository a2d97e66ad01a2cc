import Foundation
import GRDB
import TestSupport
import Testing
@testable import Pipeline
import Warehouse

@Suite struct StatusReportTests {
    /// A run that read an endpoint in several windows: its outcome is the worst of them, not the
    /// last one's (a quiet last day after a quarantined month read as "ok").
    @Test func theLastOutcomeIsTheWorstWindowOfTheLastRun() throws {
        let dir = try TempDir()
        let queue = try WarehouseDatabase.openForWriting(path: dir.path("w.sqlite"), access: .ownerDefault)
        func run(_ windows: [(start: String, status: String)]) throws {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO runs (command, pid, started_at) VALUES ('nightly', 1, '2026-12-06T03:00:00Z')")
                let runID = db.lastInsertedRowID
                for window in windows {
                    try db.execute(sql: """
                        INSERT INTO ingest_runs (run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status)
                        VALUES (?, 'copaco', 'invoices', 'v1', ?, ?, '2026-12-06T03:00:00Z', '2026-12-06T03:01:00Z', ?)
                        """, arguments: [runID, window.start, window.start, window.status])
                }
            }
        }
        func outcome() throws -> String? {
            try queue.read { db in try StatusReport.endpoints(db).first { $0.endpoint == "invoices" }?.lastOutcome }
        }
        try run([("2026-11-05", "partial"), ("2026-12-06", "ok")])
        #expect(try outcome() == "partial")
        try run([("2026-11-05", "ok"), ("2026-12-06", "failed"), ("2026-12-07", "partial")])
        #expect(try outcome() == "failed")
        try run([("2026-11-05", "ok"), ("2026-12-06", "ok")])
        #expect(try outcome() == "ok")
    }

    /// A nightly stopped mid-run (`kill`, a service stop) leaves its runs row open: status says
    /// so until a later run finishes, and not while the run still holds the lock.
    @Test func aRunThatNeverFinishedIsShownUntilALaterOneDoes() throws {
        let dir = try TempDir()
        let queue = try WarehouseDatabase.openForWriting(path: dir.path("w.sqlite"), access: .ownerDefault)
        func start(finished: Bool) throws {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO runs (command, pid, started_at, finished_at, outcome) VALUES ('nightly', 4242, '2026-12-06T03:00:00Z', ?, ?)",
                               arguments: finished ? ["2026-12-06T03:05:00Z", "ok"] : [nil, nil])
            }
        }
        try start(finished: true)
        try start(finished: false)
        let open = try queue.read { try StatusReport.interruptedRun($0, runInProgress: false) }
        #expect(open?.contains("run 2 (nightly, pid 4242") == true && open?.contains("did not finish") == true, "\(open ?? "")")
        #expect(try queue.read { try StatusReport.interruptedRun($0, runInProgress: true) } == nil)
        try start(finished: false)
        // The newer one runs; the one before it was stopped.
        #expect(try queue.read { try StatusReport.interruptedRun($0, runInProgress: true) }?.contains("run 2 ") == true)
        try start(finished: true)
        #expect(try queue.read { try StatusReport.interruptedRun($0, runInProgress: false) } == nil)
    }
}
