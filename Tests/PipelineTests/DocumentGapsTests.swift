import Foundation
import GRDB
@testable import Pipeline
import Testing
import TestSupport
import Warehouse

/// What `close` and `export` warn of: days an endpoint never read, items in quarantine read
/// with those days, and days still to come.
@Suite struct DocumentGapsTests {
    static func day(_ text: String) -> CalendarDate { CalendarDate(parsing: text)! }
    static func window(_ a: String, _ b: String) -> DateWindow { DateWindow(start: day(a), end: day(b))! }

    @Test func theUnreadPartsOfAWindow() {
        let march = Self.window("2026-03-01", "2026-03-31")
        #expect(DocumentGaps.unread(march, by: []) == [march])
        #expect(DocumentGaps.unread(march, by: [Self.window("2026-02-20", "2026-04-02")]) == [])
        #expect(DocumentGaps.unread(march, by: [Self.window("2026-03-20", "2026-03-25"), Self.window("2026-03-01", "2026-03-10"),
                                               Self.window("2026-03-09", "2026-03-12")])
                == [Self.window("2026-03-13", "2026-03-19"), Self.window("2026-03-26", "2026-03-31")])
        #expect(DocumentGaps.unread(march, by: [Self.window("2026-03-01", "2026-03-15"), Self.window("2026-03-16", "2026-03-31")]) == [])
    }

    /// `billwh status`'s gaps: days between the first and the last day read that no good
    /// window read (a failed window's days are a gap; overlaps are none).
    @Test func statusGapsLieBetweenTheWindowsRead() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        try warehouse.queue.write { db in
            for (id, start, end, status) in [(1, "2026-03-09", "2026-03-12", "ok"), (2, "2026-03-01", "2026-03-10", "ok"),
                                              (3, "2026-03-13", "2026-03-19", "failed"), (4, "2026-03-20", "2026-03-25", "partial"),
                                              (5, "2026-03-28", "2026-03-31", "ok")] {
                try db.execute(sql: """
                    INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end,
                        started_at, finished_at, status) VALUES (?, 1, 'copaco', 'invoices', 'v1', ?, ?, 'now', 'now', ?)
                    """, arguments: [id, start, end, status])
            }
        }
        let gaps = try warehouse.queue.read { db in
            (try StatusReport.gaps(db, vendor: "copaco", endpoint: "invoices"), try StatusReport.gaps(db, vendor: "copaco", endpoint: "other"))
        }
        #expect(gaps.0 == [Self.window("2026-03-13", "2026-03-19"), Self.window("2026-03-26", "2026-03-27")])
        #expect(gaps.1 == [])
    }

    @Test func gapsOfAMonthFromTheLedgerAndTheQuarantine() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        try warehouse.queue.write { db in
            func ledger(_ id: Int, _ vendor: String, _ endpoint: String, _ start: String, _ end: String, _ status: String) throws {
                try db.execute(sql: """
                    INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end,
                        started_at, finished_at, status) VALUES (?, 1, ?, ?, 'v1', ?, ?, 'now', 'now', ?)
                    """, arguments: [id, vendor, endpoint, start, end, status])
            }
            // Copaco's invoices read the whole month; its specifications failed on its last days.
            try ledger(1, "copaco", "invoices", "2026-02-25", "2026-03-31", "ok")
            try ledger(2, "copaco", "customer-specifications", "2026-03-01", "2026-03-20", "partial")
            try ledger(3, "copaco", "customer-specifications", "2026-03-21", "2026-03-31", "failed")
            // Copper and 2tCloud's consolidated invoices make no purchases: never a gap.
            try ledger(4, "copper", "companies", "2026-01-01", "2026-01-02", "ok")
            try ledger(5, "twotcloud", "consolidatedinvoices", "2026-01-01", "2026-01-02", "ok")
            try db.execute(sql: """
                INSERT INTO quarantine (vendor, endpoint, document_key, kind, reason, content_sha256, first_seen_at, last_seen_at,
                    ingest_id, payload) VALUES ('copaco', 'customer-specifications', 'S-1', 'rejected', 'bad', 'h1', 'now', 'now', 2, x'00'),
                    ('copaco', 'customer-specifications', 'S-2', 'rejected', 'bad', 'h2', 'now', 'now', 2, x'00')
                """)
        }
        let gaps = try warehouse.queue.read { db in
            try DocumentGaps.find(db, in: Self.window("2026-03-01", "2026-03-31"), today: Self.day("2026-04-02"))
        }
        #expect(gaps == [
            "copaco/customer-specifications: 2026-03-21..2026-03-31 was never read: run `billwh ingest --vendor copaco --since 2026-03-21 --until 2026-03-31`",
            "copaco/customer-specifications: 2 items read with these days are in quarantine (`billwh status`; docs/vendor-changes.md says how to resolve them)",
        ], "\(gaps)")
        // April has not passed, and nothing read it.
        let april = try warehouse.queue.read { db in
            try DocumentGaps.find(db, in: Self.window("2026-04-01", "2026-04-30"), today: Self.day("2026-04-02"))
        }
        #expect(april.count == 3 && april[0].hasPrefix("copaco/customer-specifications: 2026-04-01..2026-04-02 was never read")
                && april[1].hasPrefix("copaco/invoices: 2026-04-01..2026-04-02 was never read")
                && april[2] == "2026-04-30 has not passed yet (today is 2026-04-02, UTC): documents dated up to it may still come", "\(april)")
        // A month every endpoint read, with nothing in quarantine, is complete.
        try warehouse.queue.write { db in try db.execute(sql: "UPDATE quarantine SET resolved_at = 'now'; UPDATE ingest_runs SET status = 'ok'") }
        #expect(try warehouse.queue.read { db in
            try DocumentGaps.find(db, in: Self.window("2026-03-01", "2026-03-31"), today: Self.day("2026-04-02"))
        } == [])
    }
}
