import Foundation
import GRDB
import Ingestion
import Testing
import TestSupport
import Warehouse

/// `vendor_fields`: the first read of an endpoint is its baseline; afterwards a field seen for
/// the first time is `new`, a field every earlier document carried and a whole response lacks
/// is `gone`, and one seen again after that `returned` — each reported once.
@Suite struct FieldLedgerTests {
    static let endpoint = Endpoint(name: "invoices", path: "/api/v1/invoices", version: "v1", direction: .incoming)

    func census(_ documents: [[String]]) -> FieldCensus {
        let census = FieldCensus()
        for paths in documents {
            var fields = DocumentFields()
            for path in paths { fields.note(path) }
            census.add(fields)
        }
        return census
    }

    /// Records a window's census as ingest `ingest` of run `run` (each ingest its own run unless
    /// said), as the writer does; the runs before `run` have finished unless killed.
    func record(_ db: Database, _ documents: [[String]], ingest: Int64, run: Int64? = nil, killed: Set<Int64> = []) throws -> [String] {
        let run = run ?? ingest
        try db.execute(sql: "UPDATE runs SET finished_at = 'now' WHERE run_id <> ? AND finished_at IS NULL AND run_id NOT IN (SELECT value FROM json_each(?))",
                       arguments: [run, "\(Array(killed))"])
        try db.execute(sql: "INSERT OR IGNORE INTO runs (run_id, command, pid, started_at) VALUES (?, 'test', 1, 'now')", arguments: [run])
        try db.execute(sql: """
            INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status, documents)
            VALUES (?, ?, 'copaco', 'invoices', 'v1', '2026-01-01', '2026-01-31', 'now', 'now', 'ok', ?)
            """, arguments: [ingest, run, documents.count])
        return try FieldLedger.record(db, census: census(documents), vendor: .copaco, endpoint: Self.endpoint,
                                      ingestID: ingest, now: "2026-01-0\(ingest)T00:00:00Z").map { "\($0.kind.rawValue) \($0.path)" }
    }

    /// A renamed array makes every field within it new and the old ones gone: the log and
    /// `billwh status` name the array once per kind, with how many fields lie within it.
    @Test func changesUnderAChangeOfTheSameKindAreCountedWithIt() {
        func change(_ path: String, _ kind: FieldChange.Kind) -> FieldChange {
            FieldChange(vendor: .copaco, endpoint: "invoices", apiVersion: "v1", path: path, kind: kind)
        }
        let base = "Invoices[].Customers[].Subscriptions[]"
        let changes = [change("\(base).PriceLineItems[].SKU", .new), change("\(base).PriceLineItems", .new),
                       change("\(base).PriceLineItems[].ExtendedPrice", .new), change("\(base).PriceLines[].SKU", .gone),
                       change("\(base).PriceLines", .gone), change("\(base).PriceLinesExtra", .new),
                       change("Invoices[].Header.Note", .new)]
        let folded = FieldChange.folded(changes).map { "\(changes[$0.index].kind) \(changes[$0.index].path) \($0.within)" }
        #expect(folded == ["new \(base).PriceLineItems 2", "gone \(base).PriceLines 1", "new \(base).PriceLinesExtra 0",
                           "new Invoices[].Header.Note 0"])
    }

    /// A first run killed part way never finished: the run that resumes the backfill is still
    /// the baseline, as one uninterrupted run would have been (the crash test compares them).
    @Test func aKilledFirstRunLeavesTheBaselineToTheRunThatResumesIt() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        try warehouse.queue.write { (db: Database) throws in
            let lines = "Invoices[].Customers[].Subscriptions[].PriceLines[].SKU"
            let hash = "Invoices[].Customers[].Subscriptions[].PriceLines[].InvoiceRowHash"
            #expect(try record(db, [[lines]], ingest: 1, run: 1) == [])
            // Run 1 is killed; run 2 resumes the backfill, whose later months carry a field the
            // first lacked, and another field disappears: no change, it is still the baseline.
            #expect(try record(db, [[lines, hash], [hash]], ingest: 2, run: 2, killed: [1]) == [])
            #expect(try record(db, [[hash]], ingest: 3, run: 2, killed: [1]) == [])
            // Once a run has finished, a field seen for the first time is new.
            #expect(try record(db, [[hash, "Invoices[].Later"]], ingest: 4, run: 3, killed: [1]) == ["new Invoices[].Later"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM vendor_fields WHERE change IS NOT NULL") == 1)
        }
    }

    @Test func changesAreRecordedOnceAndListed() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        let queue = warehouse.queue
        try queue.write { db in
            let lines = "Invoices[].Customers[].Subscriptions[].PriceLines[].SKU"
            let optional = "Invoices[].Customers[].CostCenter"
            // The baseline, a whole first run: nothing is news, not even a field only some
            // documents carry, nor one that only a later window of that run brings.
            #expect(try record(db, [[lines], [lines]], ingest: 1, run: 1) == [])
            #expect(try record(db, [[lines, optional], [lines, "Invoices[].Later"]], ingest: 6, run: 1) == [])
            // The same again, in other letter cases: still nothing.
            #expect(try record(db, [[lines.uppercased()]], ingest: 2) == [])
            #expect(try record(db, [[lines.uppercased()]], ingest: 7) == [])
            // A rename: the old path is gone (every document had it), the new one is new; the
            // optional field that some documents lacked is not reported missing.
            let renamed = "Invoices[].Customers[].Subscriptions[].PriceLineItems[].SKU"
            #expect(try record(db, [[renamed], [renamed]], ingest: 3) == ["gone \(lines.uppercased())", "new \(renamed)"])
            // Reported once: the same response again says nothing.
            #expect(try record(db, [[renamed]], ingest: 4) == [])
            // Back to the old name.
            #expect(try record(db, [[lines, renamed]], ingest: 5) == ["returned \(lines)"])
            let listed = try FieldLedger.changes(db, since: "2026-01-01").map { "\($0.change.kind.rawValue) \($0.change.path)" }
            #expect(listed.sorted() == ["new \(renamed)", "returned \(lines)"])
            // Every document counted at the root.
            #expect(try Int.fetchOne(db, sql: "SELECT documents FROM vendor_fields WHERE path_key = 'invoices[]'") == 10)
        }
    }
}
