import Foundation
import GRDB
import Ingestion
import Pipeline
import Testing
import VendorSandbox
import Warehouse

/// The real ingestion and reconciliation against the sandbox over loopback.
@Suite(.serialized) struct CopacoEndToEndTests {
    @Test func totalsAreExactToTheMicroUnit() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            let data = harness.sandbox.copacoData
            let from = history.start.description, to = history.end.description
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == data.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases") == data.totalMicros(.customerSpecifications, from: from, to: to))
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE direction = 'incoming'") == Int64(data.lineCount(.invoices, from: from, to: to)))
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE direction = 'outgoing'") == Int64(data.lineCount(.customerSpecifications, from: from, to: to)))
            // Every line in exactly one purchase.
            #expect(try harness.scalar("SELECT count(incoming_line_id) + count(outgoing_line_id) FROM purchases")
                    == harness.scalar("SELECT count(*) FROM staging_lines"))
            // The sandbox's built-in exceptions show up.
            for status in ["matched", "unbilled", "unbacked", "quantity_mismatch"] {
                #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE match_status = '\(status)'") > 0, "\(status)")
            }
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE match_rule = 'subscription_sku_period'") > 0)
            // Leading zeros and odd text survive.
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE customer_number = '000417'") > 0)
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE customer_name LIKE '%€%'") > 0)
        }
    }

    @Test func rerunsChangeNothing() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let first = try harness.purchasesDump()
            let raw = try harness.scalar("SELECT count(*) FROM raw_documents")
            let second = try await harness.backfillAndReconcile()
            #expect(second.outcome == .ok)
            #expect(second.reports.allSatisfy { $0.outcome.documentsChanged == 0 })
            #expect(try harness.purchasesDump() == first)
            #expect(try harness.scalar("SELECT count(*) FROM raw_documents") == raw)
            // The nightly lookback window over the same data changes nothing either.
            _ = try await harness.runner.nightly()
            #expect(try harness.purchasesDump() == first)
            // A full rebuild gives the same rows (purchase ids may be handed out anew).
            let columns = """
                SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, sku, period_start, cost_micros, sell_micros,
                       margin_micros, match_status, match_rule, incoming_line_id, outgoing_line_id
                FROM purchases ORDER BY incoming_line_id, outgoing_line_id
                """
            let incremental = try harness.read { try Row.fetchAll($0, sql: columns).map(\.description) }
            _ = try harness.runner.reconcile(full: true)
            #expect(try harness.read { try Row.fetchAll($0, sql: columns).map(\.description) } == incremental)
        }
    }

    @Test func aReissuedInvoiceReplacesItsOldVersion() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let data = harness.sandbox.copacoData
            let target = try #require(data.documents(.invoices, from: "2026-01-01", to: "2026-10-31").first)
            let oldLines = try harness.scalar("SELECT count(*) FROM staging_lines WHERE document_key = '\(target.invoiceID)'")
            #expect(harness.sandbox.reissue(invoiceID: target.invoiceID))
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.reports.first { $0.endpoint.name == "invoices" }?.outcome.documentsChanged == 1)
            let after = harness.sandbox.copacoData
            let from = history.start.description, to = history.end.description
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == after.totalMicros(.invoices, from: from, to: to))
            #expect(after.totalMicros(.invoices, from: from, to: to) != data.totalMicros(.invoices, from: from, to: to))
            let newLines = try harness.scalar("SELECT count(*) FROM staging_lines WHERE document_key = '\(target.invoiceID)'")
            #expect(newLines == Int64(after.document(invoiceID: target.invoiceID)!.document.lineCount))
            #expect(newLines != oldLines)
            #expect(try harness.scalar("SELECT count(*) FROM raw_documents WHERE document_key = '\(target.invoiceID)'") == 2)
            #expect(try harness.scalar("SELECT versions FROM documents WHERE document_key = '\(target.invoiceID)'") == 2)
            #expect(try harness.scalar("SELECT count(incoming_line_id) + count(outgoing_line_id) FROM purchases")
                    == harness.scalar("SELECT count(*) FROM staging_lines"))
        }
    }

    @Test func faultsAreSurvivedWithTheSameTotals() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let faults = harness.sandbox.faults
            faults.failNext(3, status: 503)
            faults.rateLimitNext(1, retryAfter: "1")
            faults.rateLimitNext(1, retryAfter: "0")
            faults.truncateNext(1, mode: .contentLength)
            faults.truncateNext(1, mode: .chunked)
            faults.failNext(1, status: 502)
            faults.mutateFields = true
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            let retries = summary.reports.reduce(0) { $0 + $1.statistics.retries }
            #expect(retries >= 8)
            #expect(try harness.scalar("SELECT sum(retries) FROM ingest_runs") == Int64(retries))
            let data = harness.sandbox.copacoData
            let from = history.start.description, to = history.end.description
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == data.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases") == data.totalMicros(.customerSpecifications, from: from, to: to))
            #expect(harness.logs.text.contains("Retry-After: 1s"))
        }
    }

    @Test func aMalformedDocumentIsQuarantinedAndTheRestCommitted() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let data = harness.sandbox.copacoData
            let bad = try #require(data.documents(.invoices, from: "2026-06-01", to: "2026-06-30").first)
            harness.sandbox.faults.corruptDocument(invoiceID: bad.invoiceID)
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .partial)
            let rows = try harness.read { try Row.fetchAll($0, sql: "SELECT document_key, reason, payload FROM quarantine") }
            #expect(rows.count == 1)
            #expect(rows.first?["document_key"] as String? == bad.invoiceID)
            let reason: String = rows.first?["reason"] ?? ""
            #expect(reason.contains("ExtendedPrice"))
            #expect(((rows.first?["payload"] as Data?)?.count ?? 0) > 100)
            let from = history.start.description, to = history.end.description
            let badTotal = bad.customers.flatMap(\.subscriptions).flatMap(\.priceLines).reduce(Int64(0)) { $0 + $1.extendedPriceMicros }
            #expect(try harness.scalar("SELECT coalesce(sum(cost_micros),0) FROM purchases") == data.totalMicros(.invoices, from: from, to: to) - badTotal)
            // Once the vendor fixes it, the next run takes it and resolves the quarantine.
            harness.sandbox.faults.clearCorruption(invoiceID: bad.invoiceID)
            let fixed = try await harness.backfillAndReconcile()
            #expect(fixed.outcome == .ok)
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases") == data.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == 0)
        }
    }

    @Test func invalidJSONFailsTheEndpointAndKeepsTheBody() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            harness.sandbox.faults.invalidJSONNext(1, path: "/api/v1/customer-specifications")
            let summary = try await harness.runner.nightly()
            #expect(summary.outcome == .partial)
            #expect(summary.reports.first { $0.endpoint.name == "customer-specifications" }?.failure?.contains("quarantined") == true)
            #expect(summary.reports.first { $0.endpoint.name == "invoices" }?.succeeded == true)
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE reason LIKE 'whole response%'") == 1)
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE status = 'failed' AND error LIKE '%quarantined%'") == 1)
        }
    }

    @Test func aWrongKeyIsNotRetriedAndSaysWhatToCheck() async throws {
        let started = try await Harness.start()
        try await stopping(started) {
            var harness = started
            harness.apiKey = "wrong-key-\(UUID().uuidString)"
            let summary = try await harness.runner.nightly()
            #expect(summary.outcome == .failed)
            #expect(summary.reports.allSatisfy { $0.statistics.requests == 1 && $0.statistics.retries == 0 })
            let failure = try #require(summary.reports.first?.failure)
            #expect(failure.contains("BILLWH_COPACO_API_KEY"))
            #expect(!failure.contains(harness.apiKey))
            #expect(!harness.logs.text.contains(harness.apiKey))
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE status = 'failed' AND error LIKE '%401%'") == 2)
        }
    }
}
