import Foundation
import GRDB
import Testing
import Warehouse
@testable import Reconciliation

/// Several lines on one side against one on the other (a seat increase billed as one line),
/// currencies as part of every key, and the facts accounting books a row by (document type, VAT).
@Suite struct ManyToOneAndCurrencyTests {
    typealias Line = ReconcilerTests.Line
    let base = ReconcilerTests()

    func rows(_ lines: [Line]) throws -> [Row] {
        let queue = try base.warehouse(lines)
        _ = try queue.write { try Reconciler.reconcile($0) }
        return try base.purchases(queue)
    }

    /// 10 seats and later 5 more bought, billed as one line of 15: the rules do not split the
    /// sale across the two purchases (every line is counted in exactly one row, with the amount
    /// and quantity it was sent with), so the three lines stay `ambiguous`, one side per row,
    /// each naming the other side's candidates.
    @Test func tenPlusFiveBoughtBilledAsFifteenStaysAmbiguous() throws {
        let rows = try rows([
            Line(quantity: "10", amount: 100_000_000, vat: 21_000_000),
            Line(document: "INV-2", quantity: "5", amount: 50_000_000, vat: 10_500_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "15", amount: 180_000_001),
        ])
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" })
        #expect(rows.allSatisfy { $0["match_rule"] == "subscription_sku_period:ambiguous(2 incoming, 1 outgoing)" })
        #expect(rows.allSatisfy { ($0["cost_micros"] as Int64? == nil) != ($0["sell_micros"] as Int64? == nil) })
        #expect(rows.allSatisfy { $0["margin_micros"] as Int64? == nil })
        #expect(rows.compactMap { $0["cost_micros"] as Int64? }.sorted() == [50_000_000, 100_000_000])
        #expect(rows.compactMap { $0["vat_micros"] as Int64? }.sorted() == [10_500_000, 21_000_000])
        #expect(rows.compactMap { $0["sell_micros"] as Int64? } == [180_000_001])
        #expect(rows.compactMap { $0["quantity_bought"] as String? }.sorted() == ["10", "5"])
        #expect(rows.compactMap { $0["quantity_billed"] as String? } == ["15"])
        let sale = try #require(rows.first { $0["sell_micros"] as Int64? != nil })
        #expect((sale["match_candidates"] as String).split(separator: ",").count == 2)
    }

    /// The reverse: bought as one line of 15, billed as 10 and 5: the cost is not split either.
    @Test func fifteenBoughtBilledAsTenPlusFiveStaysAmbiguous() throws {
        let rows = try rows([
            Line(quantity: "15", amount: 100_000_000, vat: 21_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "10", amount: 80_000_000),
            Line(direction: "outgoing", document: "CS-2", quantity: "5.0", amount: 40_000_000),
        ])
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" })
        #expect(rows.compactMap { $0["cost_micros"] as Int64? } == [100_000_000])
        #expect(rows.compactMap { $0["vat_micros"] as Int64? } == [21_000_000])
        #expect(rows.compactMap { $0["sell_micros"] as Int64? }.sorted() == [40_000_000, 80_000_000])
    }

    /// 10 + 5 + 7 + 8 bought, 15 billed: everything stays ambiguous, each line counted once.
    @Test func severalAgainstOneStayAmbiguous() throws {
        let rows = try rows([
            Line(quantity: "10", amount: 10), Line(quantity: "5", amount: 5), Line(quantity: "7", amount: 7), Line(quantity: "8", amount: 8),
            Line(direction: "outgoing", document: "CS-1", quantity: "15", amount: 99),
        ])
        #expect(rows.count == 5)
        #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" })
        #expect(rows.compactMap { $0["cost_micros"] as Int64? }.reduce(0, +) == 30)
        #expect(rows.compactMap { $0["sell_micros"] as Int64? } == [99])
    }

    /// Quantities that do not add up, a zero quantity, mixed signs, or an exact decimal sum
    /// (0.1 + 0.2 = 0.30): ambiguous all the same.
    @Test func whateverTheQuantitiesSeveralAgainstOneStayAmbiguous() throws {
        for (quantities, billed) in [(["10", "4"], "15"), (["10", "5", "0"], "15"), (["20", "-5"], "15"), (["0.1", "0.2"], "0.30")] {
            let rows = try rows(quantities.map { Line(quantity: $0) } + [Line(direction: "outgoing", document: "CS-1", quantity: billed)])
            #expect(rows.count == quantities.count + 1, "\(quantities)")
            #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" }, "\(quantities)")
        }
    }

    /// Rows an earlier release wrote by splitting a line (`subscription_sku_period+sum`) are
    /// rebuilt by the next reconcile after migration 0018, but for those of a closed month.
    @Test(arguments: [false, true])
    func splitRowsOfAnEarlierReleaseAreRebuiltUnlessTheirMonthIsClosed(closed: Bool) throws {
        let queue = try base.warehouse([
            Line(quantity: "10", amount: 100_000_000),
            Line(document: "INV-2", quantity: "5", amount: 50_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "15", amount: 180_000_000),
        ])
        _ = try queue.write { try Reconciler.reconcile($0) }
        // What the earlier release left: one matched row per bought line, the sale split 120:60
        // (in the match group ingest gives lines without a hash).
        try queue.write { db in
            try db.execute(sql: "UPDATE staging_lines SET match_group = 'p' || period_start")
            try db.execute(sql: "UPDATE purchases SET match_group = 'p' || period_start")
            let sale = try #require(try Row.fetchOne(db, sql: "SELECT * FROM purchases WHERE outgoing_line_id IS NOT NULL"))
            try db.execute(sql: "DELETE FROM purchases WHERE purchase_id = ?", arguments: [sale["purchase_id"] as Int64])
            try db.execute(sql: """
                UPDATE purchases SET match_status = 'matched', match_rule = 'subscription_sku_period+sum', outgoing_line_id = ?,
                    outgoing_document = 'CS-1', quantity_billed = quantity_bought,
                    sell_micros = cost_micros * 6 / 5, margin_micros = cost_micros / 5, match_candidates = NULL
                """, arguments: [sale["outgoing_line_id"] as Int64])
            if closed { try db.execute(sql: "INSERT INTO closed_months (month, closed_at) VALUES ('2026-10', 'now')") }
            try db.execute(sql: "DELETE FROM schema_migrations WHERE version = 18")
        }
        _ = try Migrations.migrate(queue)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM reconcile_queue") } == (closed ? 0 : 1))
        _ = try queue.write { try Reconciler.reconcile($0) }
        let rows = try base.purchases(queue)
        if closed {
            #expect(rows.map { $0["match_rule"] as String } == ["subscription_sku_period+sum", "subscription_sku_period+sum"])
        } else {
            #expect(rows.count == 3)
            #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" })
            #expect(rows.compactMap { $0["sell_micros"] as Int64? } == [180_000_000])
        }
    }

    /// A EUR line never pairs with a USD line, by hash or by key; the pair is reported as a
    /// currency mismatch, each line counted once in its own currency.
    @Test func currenciesNeverPair() throws {
        let rows = try rows([
            Line(hash: "h1", amount: 10_000_000),
            Line(direction: "outgoing", document: "CS-1", hash: "h1", amount: 12_000_000, currency: "USD"),
            Line(sku: "SKU-K", amount: 20_000_000, currency: "USD"),
            Line(direction: "outgoing", document: "CS-1", sku: "SKU-K", amount: 24_000_000),
            // Another subscription in USD on both sides: pairs.
            Line(subscription: "S2", sku: "SKU-K", amount: 30_000_000, currency: "USD", documentType: "Credit"),
            Line(direction: "outgoing", document: "CS-2", subscription: "S2", sku: "SKU-K", amount: 36_000_000, currency: "USD"),
        ])
        let summary = rows.map { "\($0["match_status"] as String) \($0["currency"] as String) \($0["match_rule"] as String)" }
        #expect(summary.sorted() == [
            "matched USD subscription_sku_period",
            "unbacked EUR subscription_sku_period:currency_mismatch",
            "unbacked USD invoice_row_hash:currency_mismatch",
            "unbilled EUR invoice_row_hash:currency_mismatch",
            "unbilled USD subscription_sku_period:currency_mismatch",
        ])
        #expect(rows.first { $0["match_status"] == "matched" }?["document_type"] as String? == "credit_note")
        for row in rows {
            if let cost = row["cost_micros"] as Int64?, let sell = row["sell_micros"] as Int64? { #expect(sell - cost == row["margin_micros"] as Int64) }
        }
    }

    /// `document_type` from the incoming document (else the outgoing one), `vat_micros` from the
    /// incoming line only.
    @Test func documentTypeAndVAT() throws {
        let rows = try rows([
            Line(hash: "h1", amount: -10_000_000, vat: -2_100_000, documentType: "Credit"),
            Line(direction: "outgoing", document: "CS-1", hash: "h1", amount: -12_000_000, vat: 0, documentType: "Invoice"),
            Line(direction: "outgoing", document: "CS-1", hash: "h2", amount: 5_000_000, vat: 1_050_000, documentType: "Credit"),
            Line(hash: "h3", amount: 7_000_000, vat: 1_470_000),
        ])
        let byHash = rows.map { ($0["match_status"] as String, $0["document_type"] as String, $0["vat_micros"] as Int64?) }
        #expect(byHash.contains { $0 == ("matched", "credit_note", -2_100_000) })
        #expect(byHash.contains { $0 == ("unbacked", "credit_note", nil) })
        #expect(byHash.contains { $0 == ("unbilled", "invoice", 1_470_000) })
    }
}
