import Foundation
import GRDB
import Testing
import TestSupport
@testable import Warehouse
@testable import Ingestion

/// A document's raw versions are kept once per content, and `documents` points at the current
/// one. The writer looks a document up among the raw rows only when it has a current version;
/// a new document's raw insert finds kept bytes on its own.
@Suite struct DocumentVersionTests {
    static let endpoint = Endpoint(name: "invoices", path: "/i", version: "v1", direction: .incoming)
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 1, day: 1)!, end: CalendarDate(year: 2026, month: 12, day: 31)!)!

    static func document(_ key: String, amount: Int64) -> FetchedDocument {
        var line = StagingLine(amount: Money(micros: amount))
        line.customerKey = "C-1"
        line.rowHash = "ab12cd34ef56ab12"
        let decoded = DecodedDocument(key: key, date: CalendarDate(year: 2026, month: 3, day: 4)!, type: "Invoice", currency: "EUR", lines: [line])
        return FetchedDocument(raw: Array("{\"key\": \"\(key)\", \"amount\": \(amount)}".utf8), keyHint: key, result: .success(decoded))
    }

    static func record(_ warehouse: TempWarehouse, _ documents: [FetchedDocument]) throws -> WindowOutcome {
        try warehouse.queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: Self.endpoint, window: Self.window, startedAt: "now",
                                    statistics: FetchStatistics(), status: "ok")
            return try IngestWriter.record(db, entry: entry, documents: documents).outcome
        }
    }

    /// (raw rows of the key, the current raw row's amount text, versions, staged amounts)
    static func state(_ warehouse: TempWarehouse, _ key: String) throws -> (raws: Int, current: String?, versions: Int?, lines: [Int64]) {
        try warehouse.queue.read { db in
            let raws = try Int.fetchOne(db, sql: "SELECT count(*) FROM raw_documents WHERE document_key = ?", arguments: [key]) ?? 0
            let current = try String.fetchOne(db, sql: """
                SELECT CAST(r.payload AS TEXT) FROM documents d JOIN raw_documents r ON r.raw_id = d.current_raw_id WHERE d.document_key = ?
                """, arguments: [key])
            let versions = try Int.fetchOne(db, sql: "SELECT versions FROM documents WHERE document_key = ?", arguments: [key])
            let lines = try Int64.fetchAll(db, sql: "SELECT amount_micros FROM staging_lines WHERE document_key = ? ORDER BY line_id", arguments: [key])
            return (raws, current, versions, lines)
        }
    }

    @Test func aChangedDocumentThatChangesBackReusesItsFirstRawRow() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        #expect(try Self.record(warehouse, [Self.document("INV-1", amount: 100)]).documentsChanged == 1)
        #expect(try Self.record(warehouse, [Self.document("INV-1", amount: 100)]).documentsChanged == 0, "the same bytes again change nothing")
        #expect(try Self.record(warehouse, [Self.document("INV-1", amount: 250)]).documentsChanged == 1)
        #expect(try Self.record(warehouse, [Self.document("INV-1", amount: 100)]).documentsChanged == 1)
        let state = try Self.state(warehouse, "INV-1")
        #expect(state.raws == 2, "each content is kept once")
        #expect(state.versions == 2)
        #expect(state.current?.contains("100") == true)
        #expect(state.lines == [100])
    }

    /// The same bytes twice in one response are one document; different bytes under the same
    /// key in one response are a conflict the contract rules out: the first stays, the second
    /// is quarantined (StreamedWriteTests has the run-level view).
    @Test func aDocumentSeenTwiceInOneResponseKeepsTheFirstAndQuarantinesADifferentOne() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let outcome = try Self.record(warehouse, [Self.document("INV-2", amount: 1), Self.document("INV-2", amount: 1), Self.document("INV-2", amount: 7)])
        #expect(outcome.documents == 1 && outcome.documentsChanged == 1 && outcome.quarantined == 1, "\(outcome)")
        let state = try Self.state(warehouse, "INV-2")
        #expect(state.raws == 1 && state.versions == 1)
        #expect(state.lines == [1])
    }

    /// Bytes already kept as a raw row of the document, though it has no current version
    /// (written by other means): the writer reuses the row instead of failing on its
    /// uniqueness or keeping the bytes twice.
    @Test func keptBytesWithoutACurrentVersionAreReused() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let document = Self.document("INV-3", amount: 42)
        _ = try Self.record(warehouse, [])  // the ledger row the raw row names
        let kept = try warehouse.queue.write { db in
            try IngestWriter.storeRaw(db, vendor: .copaco, endpoint: Self.endpoint, key: "INV-3", date: nil, raw: document.raw,
                                      ingestID: 1, now: "earlier")
        }
        let outcome = try Self.record(warehouse, [document])
        #expect(outcome.documents == 1 && outcome.documentsChanged == 1 && outcome.quarantined == 0)
        let state = try Self.state(warehouse, "INV-3")
        #expect(state.raws == 1)
        #expect(state.versions == 1)
        #expect(state.lines == [42])
        let current = try warehouse.queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT current_raw_id FROM documents WHERE document_key = 'INV-3'")
        }
        #expect(current == kept)
    }
}
