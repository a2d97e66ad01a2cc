import Foundation
import GRDB
import Ingestion
import Testing
import TestSupport
import VendorSandbox
import Warehouse
@testable import Reconciliation

/// Reconcile rebuilds only the match groups a change touched (migration 0005), reading both
/// tiers of the match-group indexes (migration 0006). Documents written through the real
/// ingest writer are re-issued at random — lines moved between customers, subscriptions, SKUs,
/// periods and hashes, added and dropped — and after every round the incremental result must
/// equal a full rebuild row for row.
@Suite struct GroupScopeTests {
    static let incoming = Endpoint(name: "invoices", path: "/i", version: "v1", direction: .incoming)
    static let outgoing = Endpoint(name: "customer-specifications", path: "/o", version: "v1", direction: .outgoing)

    typealias Generator = SplitMix64

    static func line(_ rng: inout Generator, customers: [String] = ["000417", "000418", "000419"]) -> StagingLine {
        var line = StagingLine(amount: Money(micros: Int64.random(in: -2_000_000...9_000_000, using: &rng)))
        let customer = customers.randomElement(using: &rng)!
        line.customerKey = customer
        line.customerNumber = customer
        line.customerName = "Customer \(customer)"
        line.subscriptionID = ["S1", "S2", nil].randomElement(using: &rng)!
        line.sku = ["SKU-A", "SKU-B"].randomElement(using: &rng)!
        // Few hashes and few periods, so groups often hold several lines on each side.
        line.rowHash = Int.random(in: 0..<3, using: &rng) == 0 ? "h\(Int.random(in: 0..<6, using: &rng))" : nil
        let month = Int.random(in: 9...10, using: &rng)
        line.periodStart = CalendarDate(year: 2026, month: month, day: 1)
        line.periodEnd = CalendarDate(year: 2026, month: month, day: 30)
        let quantity = ["1", "2", "5", "5.0"].randomElement(using: &rng)!
        line.quantity = quantity
        line.quantityNorm = try! ExactDecimal(parsing: quantity).description
        return line
    }

    static let window = DateWindow(start: CalendarDate(year: 2026, month: 8, day: 1)!, end: CalendarDate(year: 2026, month: 11, day: 30)!)!

    static func snapshot(_ db: Database) throws -> [[String]] {
        try Row.fetchAll(db, sql: """
            SELECT vendor, invoice_id, invoice_date, customer_number, subscription_id, sku, period_start, period_end,
                   quantity_bought, quantity_billed, cost_micros, sell_micros, margin_micros, match_status, match_rule,
                   outgoing_document, incoming_line_id, outgoing_line_id, customer_key, match_candidates, match_group,
                   adjusts_month, adjusts_purchase_ids
            FROM purchases
            """).map { row in row.databaseValues.map { $0.isNull ? "∅" : "\($0)" } }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Re-issues a few of eight documents per side (a new version replaces the old lines).
    static func reissue(_ queue: DatabaseQueue, _ rng: inout Generator, version: inout Int,
                        customers: [String] = ["000417", "000418", "000419"],
                        date: (inout Generator) -> CalendarDate) throws {
        for endpoint in [Self.incoming, Self.outgoing] {
            let documents = (0..<Int.random(in: 1...3, using: &rng)).map { _ -> FetchedDocument in
                version += 1
                let key = "\(endpoint.direction == .incoming ? "INV" : "CS")-\(Int.random(in: 0..<8, using: &rng))"
                let lines = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Self.line(&rng, customers: customers) }
                let decoded = DecodedDocument(key: key, date: date(&rng), type: nil, currency: "EUR", lines: lines)
                return FetchedDocument(raw: Array("{\"version\": \(version)}".utf8), keyHint: key, result: .success(decoded))
            }
            try queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: endpoint, window: Self.window, startedAt: "now",
                                        statistics: FetchStatistics(), status: "ok")
                _ = try IngestWriter.record(db, entry: entry, documents: documents)
            }
        }
    }

    /// The rows a full rebuild gives, rolled back: it is only the reference, and the next round
    /// goes on from what the incremental one left, as nightly runs do.
    static func fullRebuild(_ db: Database) throws -> [[String]] {
        var whole: [[String]] = []
        try db.inSavepoint {
            _ = try Reconciler.reconcile(db, full: true)
            whole = try Self.snapshot(db)
            return .rollback
        }
        return whole
    }

    /// Only the differing rows are printed when this fails.
    static func expectSame(_ incremental: [[String]], _ whole: [[String]], _ what: String) {
        let onlyIncremental = incremental.filter { !whole.contains($0) }
        let onlyFull = whole.filter { !incremental.contains($0) }
        #expect(onlyIncremental.isEmpty && onlyFull.isEmpty && incremental.count == whole.count,
                "\(what): only after the incremental rebuild \(onlyIncremental.prefix(3)), only after a full one \(onlyFull.prefix(3))")
        #expect(!whole.isEmpty)
    }

    @Test(arguments: [1, 2, 3, 4])
    func incrementalEqualsFullAfterRandomReissues(seed: UInt64) throws {
        var rng = Generator(seed: seed)
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var version = 0
        var scopedRounds = 0
        var mixedRounds = 0
        for round in 0..<12 {
            try Self.reissue(queue, &rng, version: &version) { _ in CalendarDate(year: 2026, month: 10, day: 1 + round)! }
            // Some rounds settle the recent tier of the match-group indexes (migration 0006), so
            // that later rounds find a group's rows split over both tiers.
            let settle = round % 3 == 1
            // Some rounds rebuild the queued customers whole, as after `reopen`.
            let wholeCustomers = round % 5 == 4
            let (incremental, whole, groups, tiers) = try queue.write { db in
                if wholeCustomers { try db.execute(sql: "DELETE FROM reconcile_queue_groups") }
                let groups = try Int.fetchOne(db, sql: "SELECT count(*) FROM reconcile_queue_groups") ?? 0
                let tiers = try Int.fetchOne(db, sql: "SELECT count(DISTINCT recent) FROM staging_lines") ?? 0
                let report = try Reconciler.reconcile(db, settleAbove: settle ? 0 : .max)
                let incremental = try Self.snapshot(db)
                #expect(report.purchases == (try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases WHERE purchase_id > ?", arguments: [report.rebuiltAfter]) ?? -1))
                if !settle { #expect(report.settled == MatchGroupIndex.Settled()) }
                if settle {
                    #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines WHERE recent = 1") == 0)
                    #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases WHERE recent = 1") == 0)
                }
                return (incremental, try Self.fullRebuild(db), groups, tiers)
            }
            if groups > 0 { scopedRounds += 1 }
            if tiers == 2 { mixedRounds += 1 }
            Self.expectSame(incremental, whole, "seed \(seed), round \(round)")
        }
        #expect(scopedRounds == 10, "every round but the two whole-customer ones went through group-scoped reconcile")
        #expect(mixedRounds >= 8, "rounds after the first settle read lines from both tiers")
        // Every purchase carries the group of its lines.
        let mislabelled = try queue.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM purchases p JOIN staging_lines s ON s.line_id = coalesce(p.incoming_line_id, p.outgoing_line_id)
                WHERE p.match_group IS NOT s.match_group OR s.match_group IS NULL
                """)
        }
        #expect(mislabelled == 0)
    }

    /// With months closed, groups with nothing in them are still rebuilt on their own, while a
    /// change touching a closed month (a document dated in it, a line paired into it) rebuilds
    /// its customer whole with adjustment rows; every round equals a full rebuild.
    @Test(arguments: [1, 2, 3, 4])
    func incrementalEqualsFullWithClosedMonths(seed: UInt64) throws {
        var rng = Generator(seed: seed)
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var version = 0
        var mixedRounds = 0
        let customers = (0..<8).map { String(format: "%06d", 500 + $0) }
        for round in 0..<16 {
            try Self.reissue(queue, &rng, version: &version, customers: customers) { rng in
                CalendarDate(year: 2026, month: Int.random(in: 8...11, using: &rng), day: 1 + round)!
            }
            let (incremental, whole, report) = try queue.write { db in
                let report = try Reconciler.reconcile(db, settleAbove: round % 4 == 2 ? 0 : .max)
                return (try Self.snapshot(db), try Self.fullRebuild(db), report)
            }
            if report.adjusting && report.wholeCustomers < report.customers { mixedRounds += 1 }
            Self.expectSame(incremental, whole, "seed \(seed), round \(round)")
            if round == 3 || round == 7 {
                try queue.write { db in try PeriodClose.close(db, month: Month(round == 3 ? "2026-08" : "2026-09")!, note: nil, user: nil) }
            }
        }
        let adjustments = try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases WHERE adjusts_month IS NOT NULL") ?? 0
        }
        #expect(mixedRounds > 0, "some rounds rebuilt customers whole and groups on their own together")
        #expect(adjustments > 0, "changes to closed months became adjustment rows")
    }

    /// New lines and purchases go to the recent tier while it has room, then straight to the big
    /// index, and a settle moves what the recent tier holds; the rows stay the same throughout.
    @Test func newRowsFillTheRecentTierThenGoToTheBigIndex() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        let window = Self.window
        var rng = Generator(seed: 7)
        func write(_ endpoint: Endpoint, key: String, lines: Int, holds: Int) throws {
            let decoded = DecodedDocument(key: key, date: CalendarDate(year: 2026, month: 10, day: 1)!, type: nil, currency: "EUR",
                                          lines: (0..<lines).map { _ in Self.line(&rng) })
            let document = FetchedDocument(raw: Array("{\"\(key)\": 1}".utf8), keyHint: key, result: .success(decoded))
            try queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: endpoint, window: window, startedAt: "now",
                                        statistics: FetchStatistics(), status: "ok")
                _ = try IngestWriter.record(db, entry: entry, documents: [document], recentTierHolds: holds)
            }
        }
        func tiers(_ table: String) throws -> [Int] {
            try queue.read { db in try Int.fetchAll(db, sql: "SELECT recent FROM \(table) ORDER BY rowid") }
        }
        try write(Self.incoming, key: "INV-1", lines: 5, holds: 3)   // room: recent
        try write(Self.outgoing, key: "CS-1", lines: 5, holds: 3)    // 5 recent > 3: the big index
        #expect(try tiers("staging_lines") == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(try queue.read { try MatchGroupIndex.recentRows($0, .stagingLines) } == 5)

        // Reconcile: purchases that would overfill the recent tier go to the big index...
        let big = try queue.write { db in
            _ = try Reconciler.reconcile(db, settleAbove: 5)
            return try Self.snapshot(db)
        }
        #expect(try tiers("purchases").allSatisfy { $0 == 0 })
        #expect(try tiers("staging_lines").filter { $0 == 1 }.count == 5, "5 recent lines are not more than 5: not settled")
        // ...a settle empties the recent tier, and the rows are those of a full rebuild.
        let settled = try queue.write { db in
            try db.execute(sql: "INSERT INTO reconcile_queue (vendor, customer_key) SELECT DISTINCT vendor, customer_key FROM staging_lines")
            let report = try Reconciler.reconcile(db, settleAbove: 4)
            #expect(report.settled.lines == 5)
            return try Self.snapshot(db)
        }
        #expect(try tiers("staging_lines").allSatisfy { $0 == 0 })
        let full = try queue.write { db in
            _ = try Reconciler.reconcile(db, full: true)
            return try Self.snapshot(db)
        }
        #expect(big == full && settled == full && !full.isEmpty)
    }

    /// The writer and the migration compute the same group names.
    @Test func writerAndMigrationAgreeOnGroupNames() throws {
        let migration = Migrations.embedded.first { $0.fileName.hasPrefix("0005_") }!
        let normalized = migration.sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(normalized.contains("SET match_group = \(ReconcileQueue.matchGroupSQL())"))
    }
}
