import GRDB
import Reconciliation
import Testing
import TestSupport
import Warehouse

/// `amounts_read` fails while the last run that read an endpoint saw an amount at a path no
/// decoder reads, and passes again once a later run of that endpoint no longer sees it;
/// 2tCloud's consolidated cross-check, which is never summed, is left out.
@Suite struct AmountsReadCheckTests {
    static let moved = "Invoices[].Customers[].Subscriptions[].AdditionalPriceLines[].ExtendedPrice"
    static let read = "Invoices[].Customers[].Subscriptions[].PriceLines[].ExtendedPrice"

    func failures(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            let result = try DataChecks.run(db, checks: [DataChecks.amountsRead])[0]
            // vendor, endpoint, api_version, path, …
            return result.sample.map { "\($0[0])/\($0[1]) \($0[3])" }
        }
    }

    func ingest(_ db: Database, id: Int, run: Int, vendor: String = "copaco", endpoint: String = "invoices", paths: [String]) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO runs (run_id, command, pid, started_at) VALUES (?, 'nightly', 1, 'now')", arguments: [run])
        try db.execute(sql: """
            INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status)
            VALUES (?, ?, ?, ?, 'v1', '2026-10-01', '2026-10-31', 'now', 'now', 'ok')
            """, arguments: [id, run, vendor, endpoint])
        for path in paths {
            try db.execute(sql: """
                INSERT INTO vendor_fields (vendor, endpoint, api_version, path_key, path, documents, first_seen_at, last_seen_at,
                                           first_ingest_id, last_ingest_id)
                VALUES (?1, ?2, 'v1', lower(?3), ?3, 1, 'now', 'now', ?4, ?4)
                ON CONFLICT DO UPDATE SET last_ingest_id = excluded.last_ingest_id
                """, arguments: [vendor, endpoint, path, id])
        }
    }

    @Test func failsWhileTheLastReadHeldAnAmountNoDecoderReads() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        try warehouse.queue.write { db in
            try ingest(db, id: 1, run: 1, paths: [Self.read, Self.moved, "Invoices[].Totals.TotalExclVAT"])
            // A later window of the same run without it: the run still read it.
            try ingest(db, id: 2, run: 1, paths: [Self.read])
            try ingest(db, id: 3, run: 1, vendor: "twotcloud", endpoint: "consolidatedinvoices", paths: [Self.moved])
            try db.execute(sql: """
                INSERT INTO raw_documents (raw_id, vendor, endpoint, endpoint_version, document_key, document_date, content_sha256, payload, fetched_at, ingest_id)
                VALUES (1, 'twotcloud', 'consolidatedinvoices', 'v1', 'C-1', '2026-10-01', 'h', x'7b7d', 'now', 3)
                """)
            try db.execute(sql: """
                INSERT INTO documents (vendor, endpoint, document_key, direction, document_date, current_raw_id, versions, first_seen_at, changed_at)
                VALUES ('twotcloud', 'consolidatedinvoices', 'C-1', 'crosscheck', '2026-10-01', 1, 1, 'now', 'now')
                """)
        }
        #expect(try failures(warehouse.queue) == ["copaco/invoices \(Self.moved)"])
        // The next run reads the endpoint without that path: the check passes again.
        try warehouse.queue.write { db in try ingest(db, id: 4, run: 2, paths: [Self.read]) }
        #expect(try failures(warehouse.queue) == [])
    }
}
