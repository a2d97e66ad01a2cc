import Foundation
import GRDB
import Testing
import Warehouse
@testable import Reconciliation

/// The `+sum` rule (several lines on one side add up to one on the other), currencies as part of
/// every key, and the facts accounting books a row by (document type, VAT).
@Suite struct SumAndCurrencyTests {
    typealias Line = ReconcilerTests.Line
    let base = ReconcilerTests()

    func rows(_ lines: [Line]) throws -> [Row] {
        let queue = try base.warehouse(lines)
        _ = try queue.write { try Reconciler.reconcile($0) }
        return try base.purchases(queue)
    }

    /// 10 seats and later 5 more bought, billed as one line of 15: one row per bought line,
    /// the sale split 10:5 to the micro-unit.
    @Test func tenPlusFiveBoughtBilledAsFifteen() throws {
        let rows = try rows([
            Line(quantity: "10", amount: 100_000_000, vat: 21_000_000),
            Line(document: "INV-2", quantity: "5", amount: 50_000_000, vat: 10_500_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "15", amount: 180_000_001),
        ])
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["match_status"] == "matched" && $0["match_rule"] == "subscription_sku_period+sum" })
        #expect(rows.map { $0["cost_micros"] as Int64 } == [100_000_000, 50_000_000])
        // 180.000001 × 10/15 = 120.0000006…, × 5/15 = 60.0000003…: the left-over micro-unit goes
        // to the larger remainder.
        #expect(rows.map { $0["sell_micros"] as Int64 } == [120_000_001, 60_000_000])
        #expect(rows.map { $0["margin_micros"] as Int64 } == [20_000_001, 10_000_000])
        #expect(rows.map { $0["quantity_bought"] as String } == ["10", "5"])
        #expect(rows.map { $0["quantity_billed"] as String } == ["10", "5"])
        #expect(rows.map { $0["invoice_id"] as String } == ["INV-1", "INV-2"])
        #expect(rows.allSatisfy { $0["outgoing_document"] == "CS-1" })
        #expect(rows.map { $0["vat_micros"] as Int64? } == [21_000_000, 10_500_000])
    }

    /// A tie in the split (12.345679 over 5 + 5 seats: 6.1728395 each) goes to the earlier
    /// document by what the documents say, whichever was staged first: a re-sent document gets
    /// new line ids, and the split must not move with them.
    @Test(arguments: [false, true])
    func aTieInTheSplitFollowsTheDocumentsNotTheirArrival(laterFirst: Bool) throws {
        let bought = Line(quantity: "10", amount: 12_345_679, vat: 2_592_593)
        let sales = [Line(direction: "outgoing", document: "CS-A", quantity: "5", amount: 7_000_000),
                     Line(direction: "outgoing", document: "CS-B", quantity: "5", amount: 7_000_000)]
        let rows = try rows([bought] + (laterFirst ? sales.reversed() : sales))
        #expect(rows.allSatisfy { $0["match_rule"] == "subscription_sku_period+sum" })
        let cost = Dictionary(uniqueKeysWithValues: rows.map { ($0["outgoing_document"] as String, $0["cost_micros"] as Int64) })
        let vat = Dictionary(uniqueKeysWithValues: rows.map { ($0["outgoing_document"] as String, $0["vat_micros"] as Int64) })
        #expect(cost == ["CS-A": 6_172_840, "CS-B": 6_172_839])
        #expect(vat == ["CS-A": 1_296_297, "CS-B": 1_296_296])
        // An earlier date outranks the document number.
        var dated = sales
        dated[1].date = "2026-10-20"
        let byDate = try self.rows([bought] + dated)
        let costByDate = Dictionary(uniqueKeysWithValues: byDate.map { ($0["outgoing_document"] as String, $0["cost_micros"] as Int64) })
        #expect(costByDate == ["CS-A": 6_172_839, "CS-B": 6_172_840])
    }

    /// The reverse: bought as one line of 15, billed as 10 and 5: the cost (and its VAT) split.
    @Test func fifteenBoughtBilledAsTenPlusFive() throws {
        let rows = try rows([
            Line(quantity: "15", amount: 100_000_000, vat: 21_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "10", amount: 80_000_000),
            Line(direction: "outgoing", document: "CS-2", quantity: "5.0", amount: 40_000_000),
        ])
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["match_status"] == "matched" && $0["match_rule"] == "subscription_sku_period+sum" })
        // 100 × 10/15 = 66.666666⅔, × 5/15 = 33.333333⅓: the left-over micro-unit to the first.
        let costs = rows.map { $0["cost_micros"] as Int64 }
        #expect(costs.sorted() == [33_333_333, 66_666_667])
        #expect(costs.reduce(0, +) == 100_000_000)
        #expect(rows.map { $0["vat_micros"] as Int64 }.reduce(0, +) == 21_000_000)
        #expect(Set(rows.map { $0["outgoing_document"] as String }) == ["CS-1", "CS-2"])
        let bySale = Dictionary(uniqueKeysWithValues: rows.map { ($0["sell_micros"] as Int64, $0["cost_micros"] as Int64) })
        #expect(bySale == [80_000_000: 66_666_667, 40_000_000: 33_333_333])
    }

    /// 10 + 5 + 7 + 8 bought, 15 billed: {10, 5} and {7, 8} both add up. The rule never picks
    /// a subset, so everything stays ambiguous, each line counted once.
    @Test func twoSubsetsThatAddUpStayAmbiguous() throws {
        let rows = try rows([
            Line(quantity: "10", amount: 10), Line(quantity: "5", amount: 5), Line(quantity: "7", amount: 7), Line(quantity: "8", amount: 8),
            Line(direction: "outgoing", document: "CS-1", quantity: "15", amount: 99),
        ])
        #expect(rows.count == 5)
        #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" })
        #expect(rows.compactMap { $0["cost_micros"] as Int64? }.reduce(0, +) == 30)
        #expect(rows.compactMap { $0["sell_micros"] as Int64? } == [99])
    }

    /// Quantities that do not add up, a zero quantity, or mixed signs: no `+sum`.
    @Test func onlyAnExactSumOfLikeSignedQuantitiesPairs() throws {
        for quantities in [["10", "4"], ["10", "5", "0"], ["20", "-5"]] {
            let rows = try rows(quantities.map { Line(quantity: $0) } + [Line(direction: "outgoing", document: "CS-1", quantity: "15")])
            #expect(rows.allSatisfy { $0["match_status"] == "ambiguous" }, "\(quantities)")
        }
        // Decimal quantities add up exactly: 0.1 + 0.2 = 0.3.
        let rows = try rows([
            Line(quantity: "0.1", amount: 1_000_000), Line(quantity: "0.2", amount: 2_000_000),
            Line(direction: "outgoing", document: "CS-1", quantity: "0.30", amount: 3_000_001),
        ])
        #expect(rows.map { $0["match_rule"] as String } == ["subscription_sku_period+sum", "subscription_sku_period+sum"])
        #expect(rows.map { $0["sell_micros"] as Int64 } == [1_000_000, 2_000_001])
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
