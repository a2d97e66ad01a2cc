import Foundation
import GRDB
import Synchronization
import Testing
import TestSupport
import Warehouse
@testable import Reconciliation

/// Crafted staging lines for each first rule, checked row by row.
@Suite final class ReconcilerTests {
    /// The warehouses this suite made, removed with it.
    let made = Mutex<[TempWarehouse]>([])
    deinit { for warehouse in made.withLock({ $0 }) { warehouse.remove() } }

    struct Line {
        var direction = "incoming"
        var document = "INV-1"
        var date = "2026-10-23"
        var customer: String? = "000417"
        var subscription: String? = "S1"
        var sku: String? = "SKU-A"
        var hash: String?
        var quantity = "1"
        var amount: Int64 = 1_000_000
        var start: String? = "2026-10-01"
        var end: String? = "2026-10-31"
        /// The reconciliation customer key; the customer number unless a test says otherwise.
        var key: String?
        var currency = "EUR"
        var vat: Int64?
        var documentType: String?
    }

    func warehouse(_ lines: [Line]) throws -> DatabaseQueue {
        let warehouse = try TempWarehouse(withRun: true)
        made.withLock { $0.append(warehouse) }
        let queue = warehouse.queue
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO ingest_runs (ingest_id, run_id, vendor, endpoint, endpoint_version, window_start, window_end, started_at, finished_at, status)
                VALUES (1, 1, 'copaco', 'x', 'v1', '2026-01-01', '2026-12-31', 'now', 'now', 'ok')
                """)
            try db.execute(sql: "INSERT INTO raw_documents (raw_id, vendor, endpoint, endpoint_version, document_key, content_sha256, payload, fetched_at, ingest_id) VALUES (1, 'copaco', 'x', 'v1', 'k', 'h', x'00', 'now', 1)")
            for (index, line) in lines.enumerated() { try stage(db, line, index: index) }
        }
        return queue
    }

    /// One staging line, and its customer queued for reconciling.
    func stage(_ db: Database, _ line: Line, index: Int) throws {
        let norm = try ExactDecimal(parsing: line.quantity).description
        try db.execute(sql: """
            INSERT INTO staging_lines (raw_id, vendor, endpoint, direction, document_key, document_date, currency, line_index,
                customer_number, customer_name, subscription_id, sku, row_hash, quantity, quantity_norm, amount_micros, period_start, period_end,
                customer_key, vat_micros, document_type)
            VALUES (1, 'copaco', ?, ?, ?, ?, ?, ?, ?, 'Name', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [line.direction == "incoming" ? "invoices" : "customer-specifications", line.direction, line.document, line.date,
                             line.currency, index,
                             line.customer, line.subscription, line.sku, line.hash, line.quantity, norm, line.amount, line.start, line.end,
                             line.key ?? line.customer ?? "", line.vat, line.documentType])
        try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue VALUES ('copaco', ?)", arguments: [line.key ?? line.customer ?? ""])
    }

    /// A warehouse of these lines, reconciled, and its purchases.
    func reconciled(_ lines: [Line]) throws -> (queue: DatabaseQueue, rows: [Row]) {
        let queue = try warehouse(lines)
        _ = try queue.write { try Reconciler.reconcile($0) }
        return (queue, try purchases(queue))
    }

    func purchases(_ queue: DatabaseQueue) throws -> [Row] {
        try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM purchases ORDER BY incoming_line_id, outgoing_line_id") }
    }

    @Test func hashMatchesAndQuantityMismatch() throws {
        let queue = try warehouse([
            Line(hash: "h1", quantity: "5", amount: 10_000_000),
            Line(direction: "outgoing", document: "CS-1", hash: "h1", quantity: "5.0", amount: 12_500_000),
            Line(sku: "SKU-B", hash: "h2", quantity: "3", amount: 3_000_000),
            Line(direction: "outgoing", document: "CS-1", sku: "SKU-B", hash: "h2", quantity: "2", amount: 2_500_000),
        ])
        let report = try queue.write { try Reconciler.reconcile($0) }
        #expect(report.purchases == 2)
        let rows = try purchases(queue)
        #expect(rows.map { $0["match_status"] as String } == ["matched", "quantity_mismatch"])
        #expect(rows[0]["margin_micros"] as Int64 == 2_500_000)
        #expect(rows[0]["match_rule"] as String == "invoice_row_hash")
        #expect(rows[0]["invoice_id"] as String == "INV-1")
        #expect(rows[0]["quantity_bought"] as String == "5" && rows[0]["quantity_billed"] as String == "5.0")
    }

    @Test func unbilledAndUnbacked() throws {
        let rows = try reconciled([
            Line(hash: "h1", amount: 7_000_000),
            Line(direction: "outgoing", document: "CS-9", date: "2026-10-24", hash: "h9", amount: 9_000_000),
        ]).rows
        #expect(rows.count == 2)
        let unbilled = try #require(rows.first { $0["match_status"] == "unbilled" })
        #expect(unbilled["cost_micros"] as Int64 == 7_000_000)
        #expect(unbilled["sell_micros"] as Int64? == nil && unbilled["margin_micros"] as Int64? == nil)
        let unbacked = try #require(rows.first { $0["match_status"] == "unbacked" })
        #expect(unbacked["invoice_id"] as String? == nil)
        #expect(unbacked["invoice_date"] as String == "2026-10-24")
        #expect(unbacked["cost_micros"] as Int64? == nil)
        #expect(unbacked["sell_micros"] as Int64 == 9_000_000)
        #expect(unbacked["match_rule"] as String == "invoice_row_hash:no_partner")
    }

    @Test func keyRuleNeedsExactlyOneCandidatePerSide() throws {
        let rows = try reconciled([
            // one on each side: matched on subscription + SKU + period
            Line(date: "2023-11-23", amount: 1_000_000),
            Line(direction: "outgoing", document: "CS-1", date: "2023-11-23", amount: 1_500_000),
            // two incoming, one outgoing on the same key and quantity: undecided, ambiguous
            Line(sku: "SKU-D", amount: 2_000_000),
            Line(sku: "SKU-D", amount: 2_000_000),
            Line(direction: "outgoing", document: "CS-1", sku: "SKU-D", amount: 5_000_000),
            // a hashed line never pairs by key
            Line(sku: "SKU-H", hash: "hx", amount: 1),
            Line(direction: "outgoing", document: "CS-1", sku: "SKU-H", amount: 2),
        ]).rows
        #expect(rows.count == 6)
        let matched = rows.filter { $0["match_status"] == "matched" }
        #expect(matched.count == 1 && matched[0]["match_rule"] as String == "subscription_sku_period")
        let ambiguous = rows.filter { ($0["match_rule"] as String?)?.hasPrefix("subscription_sku_period:ambiguous(2 incoming, 1 outgoing)") == true }
        #expect(ambiguous.count == 3)
        #expect(ambiguous.allSatisfy { $0["match_status"] == "ambiguous" })
        // Each ambiguous row names the other side's candidates.
        let outgoingD = try #require(rows.first { $0["sku"] == "SKU-D" && $0["outgoing_line_id"] != nil })
        #expect(outgoingD["match_candidates"] as String == "3,4")
        #expect(rows.contains { $0["match_rule"] == "invoice_row_hash:no_partner" && $0["sku"] == "SKU-H" })
        #expect(rows.contains { $0["match_rule"] == "subscription_sku_period:no_partner" && $0["sku"] == "SKU-H" })
    }

    /// A mid-period seat increase: two lines on one key each side, told apart by quantity.
    @Test func quantityDecidesAmongSeveralCandidates() throws {
        let rows = try reconciled([
            Line(quantity: "10", amount: 100_000_000),
            Line(quantity: "5", amount: 25_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "5.00", amount: 30_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "10", amount: 120_000_000),
        ]).rows
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["match_status"] == "matched" && $0["match_rule"] == "subscription_sku_period+quantity" })
        #expect(rows.map { $0["margin_micros"] as Int64 } == [20_000_000, 5_000_000])
    }

    /// 10 + 5 bought, 10 + 6 billed: 10 pairs by quantity, the remaining single pair is a mismatch.
    @Test func remainderAfterQuantityPairsIsAMismatch() throws {
        let rows = try reconciled([
            Line(quantity: "10", amount: 100_000_000),
            Line(quantity: "5", amount: 25_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "10", amount: 120_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "6", amount: 36_000_000),
        ]).rows
        #expect(rows.map { $0["match_status"] as String } == ["matched", "quantity_mismatch"])
        #expect(rows.map { $0["match_rule"] as String } == ["subscription_sku_period+quantity", "subscription_sku_period+remainder"])
        #expect(rows[1]["quantity_bought"] as String == "5" && rows[1]["quantity_billed"] as String == "6")
    }

    /// Same quantity twice on each side: nothing tells the lines apart, so all four are ambiguous
    /// (each counted once), and a line whose key has no partner at all stays unbilled.
    @Test func quantityThatCannotDecideIsAmbiguous() throws {
        let rows = try reconciled([
            Line(quantity: "5", amount: 25_000_000),
            Line(quantity: "5", amount: 26_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "5", amount: 30_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "5", amount: 31_000_000),
            Line(sku: "SKU-X", quantity: "10"), Line(sku: "SKU-X", quantity: "5"),
            Line(direction: "outgoing", document: "CS-1", sku: "SKU-X", quantity: "10"),
        ]).rows
        let a = rows.filter { $0["sku"] == "SKU-A" }
        #expect(a.count == 4 && a.allSatisfy { $0["match_status"] == "ambiguous" && $0["match_rule"] == "subscription_sku_period:ambiguous(2 incoming, 2 outgoing)" })
        #expect(a.compactMap { $0["cost_micros"] as Int64? }.reduce(0, +) == 51_000_000)
        #expect(a.compactMap { $0["sell_micros"] as Int64? }.reduce(0, +) == 61_000_000)
        let x = rows.filter { $0["sku"] == "SKU-X" }.map { "\($0["match_status"] as String) \($0["match_rule"] as String)" }
        #expect(x == ["matched subscription_sku_period+quantity", "unbilled subscription_sku_period:no_partner"])
    }

    /// 2tCloud matches on the customer's AccountID: lines with different customer numbers but
    /// the same key pair, and the same customer number under two keys does not.
    @Test func customerKeyIsWhatPairs() throws {
        let (queue, rows) = try reconciled([
            Line(customer: "C-1", key: "account:7"),
            Line(direction: "outgoing", document: "CS-1", customer: "0001", amount: 2_000_000, key: "account:7"),
            Line(customer: "C-1", sku: "SKU-B", key: "account:8"),
            Line(direction: "outgoing", document: "CS-1", customer: "C-1", sku: "SKU-B", key: "account:9"),
        ])
        #expect(rows.map { $0["match_status"] as String }.sorted() == ["matched", "unbacked", "unbilled"])
        #expect(rows.first { $0["match_status"] == "matched" }?["customer_key"] as String? == "account:7")
        _ = try queue.write { try Reconciler.reconcile($0, full: true) }
        #expect(try purchases(queue).map { $0["match_status"] as String }.sorted() == ["matched", "unbacked", "unbilled"])
    }

    /// Every line counted once, whatever the mix; and a second reconcile changes nothing.
    @Test func invariantsHoldAndRerunsChangeNothing() throws {
        var lines: [Line] = []
        var rng = SystemRandomNumberGenerator()
        for i in 0..<300 {
            let hashed = Bool.random(using: &rng)
            let key = "K\(Int.random(in: 0..<40, using: &rng))"
            lines.append(Line(direction: Bool.random(using: &rng) ? "incoming" : "outgoing",
                              customer: ["000417", "2", nil][i % 3], sku: key,
                              hash: hashed ? "h\(Int.random(in: 0..<60, using: &rng))" : nil,
                              quantity: String(Int.random(in: 1...3, using: &rng)), amount: Int64.random(in: -5_000_000...50_000_000, using: &rng),
                              currency: Int.random(in: 0..<5, using: &rng) == 0 ? "USD" : "EUR"))
        }
        let queue = try warehouse(lines)
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.read { db in
            for currency in ["EUR", "USD"] {
                let incoming = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(amount_micros),0) FROM staging_lines WHERE direction='incoming' AND currency = ?", arguments: [currency])!
                let outgoing = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(amount_micros),0) FROM staging_lines WHERE direction='outgoing' AND currency = ?", arguments: [currency])!
                #expect(try Int64.fetchOne(db, sql: "SELECT coalesce(sum(cost_micros),0) FROM purchases WHERE currency = ?", arguments: [currency])! == incoming)
                #expect(try Int64.fetchOne(db, sql: "SELECT coalesce(sum(sell_micros),0) FROM purchases WHERE currency = ?", arguments: [currency])! == outgoing)
            }
            // A row never holds lines of two currencies.
            #expect(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM purchases p JOIN staging_lines i ON i.line_id = p.incoming_line_id
                JOIN staging_lines o ON o.line_id = p.outgoing_line_id WHERE i.currency <> o.currency OR p.currency <> i.currency
                """)! == 0)
            // Every line counted exactly once on its side: one row refers to it, with its amount.
            let lineCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines")!
            let referenced = try Int.fetchOne(db, sql: "SELECT count(DISTINCT incoming_line_id) + count(DISTINCT outgoing_line_id) FROM purchases")!
            #expect(lineCount == referenced)
            let miscounted = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM staging_lines s WHERE s.amount_micros <> CASE WHEN s.direction = 'incoming'
                    THEN (SELECT sum(cost_micros) FROM purchases p WHERE p.incoming_line_id = s.line_id)
                    ELSE (SELECT sum(sell_micros) FROM purchases p WHERE p.outgoing_line_id = s.line_id) END
                """)!
            #expect(miscounted == 0)
            let shared = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT incoming_line_id AS id FROM purchases WHERE incoming_line_id IS NOT NULL
                    GROUP BY id HAVING count(*) > 1
                    UNION ALL
                    SELECT outgoing_line_id FROM purchases WHERE outgoing_line_id IS NOT NULL GROUP BY outgoing_line_id HAVING count(*) > 1)
                """)!
            #expect(shared == 0)
        }
        let before = try dump(queue)
        let beforeWithoutIDs = try dumpWithoutIDs(queue)
        let again = try queue.write { try Reconciler.reconcile($0) }
        #expect(again.customers == 0)
        #expect(try dump(queue) == before)
        _ = try queue.write { try Reconciler.reconcile($0, full: true) }
        #expect(try dumpWithoutIDs(queue) == beforeWithoutIDs)
    }

    @Test func fullRebuildEqualsIncremental() throws {
        let queue = try warehouse([
            Line(hash: "h1"), Line(direction: "outgoing", hash: "h1", amount: 3),
            Line(customer: "B", sku: "S"), Line(direction: "outgoing", customer: "B", sku: "S"),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        let incremental = try dumpWithoutIDs(queue)
        _ = try queue.write { try Reconciler.reconcile($0, full: true) }
        #expect(try dumpWithoutIDs(queue) == incremental)
    }

    func dump(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM purchases ORDER BY purchase_id").map(\.description) }
    }

    func dumpWithoutIDs(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read {
            try Row.fetchAll($0, sql: """
                SELECT vendor, invoice_id, invoice_date, customer_number, sku, cost_micros, sell_micros, match_status, match_rule,
                       incoming_line_id, outgoing_line_id FROM purchases ORDER BY incoming_line_id, outgoing_line_id
                """).map(\.description)
        }
    }
}
