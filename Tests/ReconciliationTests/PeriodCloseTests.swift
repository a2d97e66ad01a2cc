import Foundation
import GRDB
import Testing
import Warehouse
@testable import Reconciliation

/// Closed months never change; later changes become adjustment rows in the first open month.
@Suite struct PeriodCloseTests {
    let fixture = ReconcilerTests()
    let october = Month("2026-10")!

    func frozen(_ queue: DatabaseQueue, _ month: String) throws -> [String] {
        try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM purchases WHERE substr(invoice_date, 1, 7) = ? ORDER BY purchase_id", arguments: [month]).map(\.description) }
    }

    func sums(_ queue: DatabaseQueue) throws -> (cost: Int64, sell: Int64, incoming: Int64, outgoing: Int64) {
        try queue.read { db in
            (try Int64.fetchOne(db, sql: "SELECT coalesce(sum(cost_micros), 0) FROM purchases")!,
             try Int64.fetchOne(db, sql: "SELECT coalesce(sum(sell_micros), 0) FROM purchases")!,
             try Int64.fetchOne(db, sql: "SELECT coalesce(sum(amount_micros), 0) FROM staging_lines WHERE direction = 'incoming'")!,
             try Int64.fetchOne(db, sql: "SELECT coalesce(sum(amount_micros), 0) FROM staging_lines WHERE direction = 'outgoing'")!)
        }
    }

    func rows(_ queue: DatabaseQueue, _ sql: String) throws -> [Row] {
        try queue.read { try Row.fetchAll($0, sql: sql) }
    }

    @Test func aChangeToAClosedMonthBecomesAnAdjustmentInTheNextOpenMonth() throws {
        let queue = try fixture.warehouse([
            .init(hash: "h1", amount: 10_000_000),
            .init(direction: "outgoing", document: "CS-1", hash: "h1", amount: 12_000_000),
            .init(sku: "SKU-B", hash: "h2", amount: 5_000_000),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.write { try PeriodClose.close($0, month: october, note: "exported", user: "test") }
        let closed = try frozen(queue, "2026-10")
        #expect(closed.count == 2)

        // The vendor re-issues October's invoice: h1 costs more, and a line arrives late.
        try queue.write { db in
            try db.execute(sql: "UPDATE staging_lines SET amount_micros = 11000000 WHERE row_hash = 'h1' AND direction = 'incoming'")
            try fixture.stage(db, .init(sku: "SKU-LATE", amount: 3_000_000), index: 99)
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        #expect(try frozen(queue, "2026-10") == closed)
        let adjustments = try rows(queue, "SELECT * FROM purchases WHERE adjusts_month IS NOT NULL ORDER BY sku")
        #expect(adjustments.count == 2)
        #expect(adjustments.allSatisfy { $0["invoice_date"] == "2026-11-01" && ($0["adjusts_month"] as String?) == "2026-10" && $0["match_rule"] == "adjustment" })
        #expect(adjustments[0]["sku"] == "SKU-A" && adjustments[0]["cost_micros"] as Int64? == 1_000_000)
        // A matched group's difference has both sides (an unchanged one is 0), its margin sell - cost.
        #expect(adjustments[0]["sell_micros"] as Int64? == 0)
        #expect(adjustments[0]["margin_micros"] as Int64? == -1_000_000)
        #expect((adjustments[0]["adjusts_purchase_ids"] as String?)?.isEmpty == false)
        #expect(adjustments[1]["sku"] == "SKU-LATE" && adjustments[1]["cost_micros"] as Int64? == 3_000_000 && adjustments[1]["match_status"] == "unbilled")
        // A line the month never held has its quantity as sent; a difference has none.
        #expect(adjustments[1]["quantity_bought"] as String? == "1" && (adjustments[1]["quantity_billed"] as String?) == nil)
        #expect((adjustments[0]["quantity_bought"] as String?) == nil && (adjustments[0]["quantity_billed"] as String?) == nil)
        // The books balance: frozen + adjustments = what staging says now.
        let s = try sums(queue)
        #expect(s.cost == s.incoming && s.sell == s.outgoing)

        // Re-running, incrementally or in full, changes nothing.
        let dump = try fixture.dumpWithoutIDs(queue)
        try queue.write { try $0.execute(sql: "INSERT OR IGNORE INTO reconcile_queue VALUES ('copaco', '000417')") }
        _ = try queue.write { try Reconciler.reconcile($0) }
        #expect(try fixture.dumpWithoutIDs(queue) == dump)
        _ = try queue.write { try Reconciler.reconcile($0, full: true) }
        #expect(try fixture.dumpWithoutIDs(queue) == dump)
        #expect(try frozen(queue, "2026-10") == closed)
    }

    /// A re-issued closed-month invoice whose only change is a line's VAT gets an adjustment row
    /// carrying the VAT difference (amounts 0), and the totals check holds VAT to the lines.
    @Test func aChangeToAClosedMonthsVATAloneIsAnAdjustmentToo() throws {
        let queue = try fixture.warehouse([
            .init(hash: "h1", amount: 10_000_000),
            .init(direction: "outgoing", document: "CS-1", hash: "h1", amount: 12_000_000),
        ])
        try queue.write { try $0.execute(sql: "UPDATE staging_lines SET vat_micros = 2100000 WHERE direction = 'incoming'") }
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.write { try PeriodClose.close($0, month: october, note: "exported", user: "test") }
        try queue.write { db in
            try db.execute(sql: "UPDATE staging_lines SET vat_micros = 2310000 WHERE direction = 'incoming'")
            try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue VALUES ('copaco', '000417')")
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        let adjustments = try rows(queue, "SELECT * FROM purchases WHERE adjusts_month IS NOT NULL")
        #expect(adjustments.count == 1)
        #expect(adjustments.first?["vat_micros"] as Int64? == 210_000 && adjustments.first?["cost_micros"] as Int64? == 0
                && adjustments.first?["sell_micros"] as Int64? == 0 && adjustments.first?["margin_micros"] as Int64? == 0)
        let vat = try queue.read { db in
            (try Int64.fetchOne(db, sql: "SELECT sum(vat_micros) FROM purchases"), try Int64.fetchOne(db, sql: "SELECT sum(vat_micros) FROM staging_lines"))
        }
        #expect(vat.0 == 2_310_000 && vat.1 == 2_310_000)
        let totals = DataChecks.all(today: CalendarDate(year: 2026, month: 11, day: 15)!).filter { $0.name == "cost_and_sell_totals" }
        #expect(try queue.read { try DataChecks.run($0, checks: totals) }.allSatisfy(\.passed))
        // A VAT difference nothing wrote is what the check now reports.
        try queue.write { try $0.execute(sql: "DELETE FROM purchases WHERE adjusts_month IS NOT NULL") }
        #expect(try queue.read { try DataChecks.run($0, checks: totals) }.first?.failures == 1)
    }

    /// An unbacked line frozen in a closed month later finds its purchase in an open month: the
    /// frozen row stays, an adjustment takes it back out, and the new pair counts it once.
    @Test func aLineFrozenUnbackedThatPairsLaterIsCountedOnce() throws {
        let queue = try fixture.warehouse([
            .init(direction: "outgoing", document: "CS-1", date: "2026-10-23", hash: "h7", amount: 20_000_000),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.write { try PeriodClose.close($0, month: october, note: nil, user: nil) }
        try queue.write { db in
            try fixture.stage(db, .init(document: "INV-9", date: "2026-11-23", hash: "h7", amount: 15_000_000), index: 5)
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        let all = try rows(queue, "SELECT * FROM purchases ORDER BY purchase_id")
        #expect(all.count == 3)
        #expect(all.contains { $0["match_status"] == "unbacked" && $0["invoice_date"] == "2026-10-23" && ($0["adjusts_month"] as String?) == nil })
        #expect(all.contains { $0["match_status"] == "matched" && $0["invoice_date"] == "2026-11-23" && $0["sell_micros"] as Int64? == 20_000_000 })
        #expect(all.contains { ($0["adjusts_month"] as String?) == "2026-10" && $0["sell_micros"] as Int64? == -20_000_000 })
        let s = try sums(queue)
        #expect(s.cost == s.incoming && s.sell == s.outgoing)
    }

    @Test func reopenNeedsAReasonGoesLatestFirstAndRebuilds() throws {
        let queue = try fixture.warehouse([
            .init(hash: "h1", amount: 10_000_000),
            .init(direction: "outgoing", document: "CS-1", hash: "h1", amount: 12_000_000),
            .init(document: "INV-2", date: "2026-11-23", sku: "SKU-N", hash: "h3", amount: 1_000_000),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.write { db in
            try PeriodClose.close(db, month: october, note: nil, user: nil)
            try PeriodClose.close(db, month: Month("2026-11")!, note: nil, user: nil)
        }
        #expect(throws: PeriodCloseError.alreadyClosed(october)) { try queue.write { try PeriodClose.close($0, month: october, note: nil, user: nil) } }
        #expect(throws: PeriodCloseError.reasonRequired) { try queue.write { try PeriodClose.reopen($0, month: october, reason: "  ", user: nil) } }
        #expect(throws: PeriodCloseError.laterMonthClosed(october, later: Month("2026-11")!)) {
            try queue.write { try PeriodClose.reopen($0, month: october, reason: "wrong VAT", user: nil) }
        }
        // A change to October while both are closed goes to December.
        try queue.write { db in
            try db.execute(sql: "UPDATE staging_lines SET amount_micros = 9000000 WHERE row_hash = 'h1' AND direction = 'incoming'")
            try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue VALUES ('copaco', '000417')")
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        #expect(try rows(queue, "SELECT invoice_date FROM purchases WHERE adjusts_month = '2026-10'").map { $0["invoice_date"] as String } == ["2026-12-01"])
        // Reopen latest first, with a reason: recorded, and the rebuild folds the change back in.
        try queue.write { db in
            try PeriodClose.reopen(db, month: Month("2026-11")!, reason: "late credit note", user: "ann")
            try PeriodClose.reopen(db, month: october, reason: "wrong VAT", user: "ann")
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        #expect(try rows(queue, "SELECT * FROM purchases WHERE adjusts_month IS NOT NULL").isEmpty)
        #expect(try rows(queue, "SELECT cost_micros FROM purchases WHERE sku = 'SKU-A'").map { $0["cost_micros"] as Int64 } == [9_000_000])
        let events = try rows(queue, "SELECT month, action, reason, user FROM period_events ORDER BY event_id")
        #expect(events.map { "\($0["month"] as String) \($0["action"] as String)" } == ["2026-10 close", "2026-11 close", "2026-11 reopen", "2026-10 reopen"])
        #expect(events[3]["reason"] == "wrong VAT" && events[3]["user"] == "ann")
    }

    /// Reopening a month moves the adjustments of the closed months before it into that month
    /// (now their first open month), also for a customer with no row in the reopened month;
    /// incremental and full rebuilds agree.
    @Test func reopenRedatesEarlierMonthsAdjustmentsOfEveryCustomer() throws {
        let queue = try fixture.warehouse([
            .init(hash: "h1", amount: 10_000_000),
            .init(direction: "outgoing", document: "CS-1", hash: "h1", amount: 12_000_000),
            .init(document: "INV-2", date: "2026-11-23", customer: "000999", sku: "SKU-N", hash: "h3", amount: 1_000_000),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        try queue.write { db in
            try PeriodClose.close(db, month: october, note: nil, user: nil)
            try PeriodClose.close(db, month: Month("2026-11")!, note: nil, user: nil)
        }
        try queue.write { db in
            try db.execute(sql: "UPDATE staging_lines SET amount_micros = 9000000 WHERE row_hash = 'h1' AND direction = 'incoming'")
            try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue VALUES ('copaco', '000417')")
        }
        _ = try queue.write { try Reconciler.reconcile($0) }
        let adjustmentDate = "SELECT invoice_date FROM purchases WHERE adjusts_month = '2026-10'"
        #expect(try rows(queue, adjustmentDate).map { $0["invoice_date"] as String } == ["2026-12-01"])
        try queue.write { try PeriodClose.reopen($0, month: Month("2026-11")!, reason: "late credit note", user: nil) }
        _ = try queue.write { try Reconciler.reconcile($0) }
        #expect(try rows(queue, adjustmentDate).map { $0["invoice_date"] as String } == ["2026-11-01"])
        let incremental = try fixture.dumpWithoutIDs(queue)
        _ = try queue.write { try Reconciler.reconcile($0, full: true) }
        #expect(try fixture.dumpWithoutIDs(queue) == incremental)
    }

    @Test func monthParsing() {
        #expect(Month("2026-10")?.next.description == "2026-11")
        #expect(Month("2026-12")?.next.description == "2027-01")
        for bad in ["2026-13", "2026-1", "26-10", "2026/10", "2026-10-01", ""] { #expect(Month(bad) == nil, "\(bad)") }
    }
}
