import Foundation
import GRDB
import Testing
import TestSupport
import VendorSandbox
@testable import Warehouse
@testable import Ingestion

/// The line writer binds a line's texts in place from one buffer (LineText), binds what a
/// document's lines share once, and names the match groups it queues itself (TouchedGroups,
/// JSONList). What lands in the warehouse must be exactly what the lines held.
@Suite struct LineWritingTests {
    static let endpoint = Endpoint(name: "invoices", path: "/i", version: "v1", direction: .incoming)
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 1, day: 1)!, end: CalendarDate(year: 2026, month: 12, day: 31)!)!

    /// Texts that are easy to get wrong: empty (not NULL), long (past the buffer's first
    /// size), multi-byte, a NUL inside, quotes and backslashes, control characters.
    static let awkward = ["", "a", "000417", "Café Müller & Zoon B.V.", "日本語の会社", "👩‍💻 e\u{301}", "nul\u{0}inside",
                          "quote \" and back\\slash", "tab\tnew\nline\u{1}", String(repeating: "long-", count: 1_500)]

    static func text(_ rng: inout SplitMix64) -> String? {
        Int.random(in: 0..<5, using: &rng) == 0 ? nil : awkward.randomElement(using: &rng)!
    }

    static func hash(_ rng: inout SplitMix64) -> String? {
        let hex = String((0..<Int.random(in: 0...40, using: &rng)).map { _ in "0123456789abcdef".randomElement(using: &rng)! })
        return [nil, hex, hex, "", "é" + hex, hex + "é", "abc\u{0}def0123456789", "\u{1F600}" + hex].randomElement(using: &rng)!
    }

    static func date(_ rng: inout SplitMix64) -> CalendarDate? {
        // The last two are past what YYYY-MM-DD spells (years 12345 and -1): written as described.
        [nil, CalendarDate(year: 2026, month: Int.random(in: 1...12, using: &rng), day: Int.random(in: 1...28, using: &rng)),
         CalendarDate(year: 1, month: 1, day: 1), CalendarDate(daysSinceEpoch: 3_789_000),
         CalendarDate(daysSinceEpoch: -720_000)].randomElement(using: &rng)!
    }

    static func line(_ rng: inout SplitMix64) -> StagingLine {
        var line = StagingLine(amount: Money(micros: Int64.random(in: -9_000_000_000...9_000_000_000, using: &rng)))
        line.customerKey = text(&rng) ?? ""
        line.customerAccountID = text(&rng); line.customerNumber = text(&rng); line.customerName = text(&rng)
        line.subscriptionID = text(&rng); line.subscriptionName = text(&rng); line.lineRef = text(&rng); line.uid = text(&rng)
        line.rowHash = hash(&rng); line.sku = text(&rng); line.description = text(&rng); line.chargeType = text(&rng)
        line.quantity = text(&rng); line.quantityNorm = text(&rng)
        line.unitPrice = Bool.random(using: &rng) ? Money(micros: Int64.random(in: -5_000...5_000, using: &rng)) : nil
        line.vat = Bool.random(using: &rng) ? Money(micros: 0) : nil
        line.periodStart = date(&rng); line.periodEnd = date(&rng)
        return line
    }

    /// What `staging_lines` must hold for `line`, column by column.
    static func expected(_ line: StagingLine, document: DecodedDocument, index: Int) -> [DatabaseValue] {
        let texts: [String?] = [document.header.key, document.header.date.description, document.header.type, document.header.currency]
        let lineTexts: [String?] = [line.customerKey, line.customerAccountID, line.customerNumber, line.customerName, line.subscriptionID,
                                    line.subscriptionName, line.lineRef, line.uid, line.rowHash, line.sku, line.description,
                                    line.chargeType, line.quantity, line.quantityNorm]
        let amounts: [Int64?] = [line.unitPrice?.micros, line.amount.micros, line.vat?.micros]
        let periods: [String?] = [line.periodStart?.description, line.periodEnd?.description]
        // Texts as their bytes: GRDB reads a text up to its first NUL.
        func bytes(_ text: String?) -> DatabaseValue { text.map { Data($0.utf8) }.databaseValue }
        var values: [DatabaseValue] = texts.map(bytes)
        values.append(Int64(index).databaseValue)
        values += lineTexts.map(bytes)
        values += amounts.map(\.databaseValue)
        values += periods.map(bytes)
        return values
    }

    static let columns = """
        document_key, document_date, document_type, currency, line_index, customer_key, customer_account_id, customer_number,
        customer_name, subscription_id, subscription_name, line_ref, uid, row_hash, sku, description, charge_type, quantity,
        quantity_norm, unit_price_micros, amount_micros, vat_micros, period_start, period_end
        """

    /// Texts as blobs, integers as they are.
    static var blobColumns: String {
        columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.map {
            $0.hasSuffix("_micros") || $0 == "line_index" ? $0 : "CAST(\($0) AS BLOB)"
        }.joined(separator: ", ")
    }

    @Test func linesComeBackExactlyAsWritten() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var rng = SplitMix64(seed: 5)
        // Several documents per window and several windows: what a document's lines share is
        // bound once per document, and must not leak into the next one.
        var documents: [DecodedDocument] = []
        for window in 0..<3 {
            let batch = (0..<3).map { d in
                DecodedDocument(key: "INV-\(window)-\(d)", date: CalendarDate(year: 2026, month: 1 + window * 3 + d, day: 2 + d)!,
                                type: d == 1 ? nil : "Invoice \(d)", currency: ["EUR", "USD", "GBP"][d],
                                lines: (0..<Int.random(in: 0...150, using: &rng)).map { _ in Self.line(&rng) })
            }
            documents += batch
            try queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: Self.endpoint, window: Self.window, startedAt: "now",
                                        statistics: FetchStatistics(), status: "ok")
                let fetched = batch.map { FetchedDocument(raw: Array("{\"\($0.header.key)\": 1}".utf8), keyHint: $0.header.key, result: .success($0)) }
                _ = try IngestWriter.record(db, entry: entry, documents: fetched)
            }
        }
        let expected = documents.flatMap { document in document.lines.enumerated().map { Self.expected($1, document: document, index: $0) } }
        let stored = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.blobColumns) FROM staging_lines ORDER BY line_id").map { Array($0.databaseValues) }
        }
        #expect(stored.count == expected.count && expected.count > 300)
        let names = Self.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        for (number, (row, want)) in zip(stored, expected).enumerated() where row != want {
            let differing = (0..<names.count).filter { row[$0] != want[$0] }.map {
                "\(names[$0]): stored \(row[$0].description.prefix(40).debugDescription), expected \(want[$0].description.prefix(40).debugDescription)"
            }
            Issue.record("line \(number): \(differing.joined(separator: "; "))")
            break
        }
        // Every stored group is the one the SQL expression computes from the stored line,
        // whether the writer bound it or left it to SQL.
        let differing = try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines WHERE match_group IS NOT \(ReconcileQueue.matchGroupSQL())")
        }
        #expect(differing == 0)
        // Every group the writer names itself is the one SQL stored.
        let groups = try queue.read { db in try String.fetchAll(db, sql: "SELECT match_group FROM staging_lines ORDER BY line_id") }
        let lines = documents.flatMap(\.lines)
        let named = zip(lines, groups).filter { line, _ in ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) != nil }
        #expect(named.allSatisfy { line, group in ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) == group })
        #expect(named.count > lines.count / 2, "most hashes are plain hex")
    }

    @Test func unnameableGroupsAreOnlyTheNonASCIIOnes() {
        var line = StagingLine(amount: Money(micros: 1))
        line.rowHash = "é0123456789abcdef"
        #expect(ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) == nil)
        line.rowHash = "0123456789abé"
        #expect(ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) == "h0123456789ab", "past the 12th character it does not matter")
        line.rowHash = nil
        line.periodStart = CalendarDate(year: 2026, month: 3, day: 1)
        #expect(ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) == "p2026-03-01")
        line.periodStart = nil
        #expect(ReconcileQueue.matchGroup(rowHash: line.rowHash, periodStart: line.periodStart) == "p")
    }

    @Test func aJSONListReadsBackInSQLiteAsWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("billwh-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("j.sqlite").path)
        // Except a NUL: SQLite's JSON ends a text there (enqueue queues such a customer apart).
        let awkward = Self.awkward.filter { !$0.utf8.contains(0) }
        var list = JSONList()
        for customer in awkward {
            list.open()
            list.append(customer)
            list.open()
            for group in awkward.reversed() { list.append(group) }
            list.close()
            list.close()
        }
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT json_extract(c.value, '$[0]') AS customer, g.value AS grp
                FROM json_each(?) c, json_each(json_extract(c.value, '$[1]')) g ORDER BY c.key, g.key
                """, arguments: [list.json])
        }
        let expected = awkward.flatMap { customer in awkward.reversed().map { [customer, $0] } }
        let read = rows.map { [$0["customer"] as String, $0["grp"] as String] }
        #expect(read.count == expected.count)
        for (got, want) in zip(read, expected) where got != want {
            Issue.record("read back \(got.map { $0.prefix(30) }), wrote \(want.map { $0.prefix(30) })")
        }
    }
}
