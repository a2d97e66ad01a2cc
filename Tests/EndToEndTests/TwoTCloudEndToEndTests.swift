import Foundation
import GRDB
import Ingestion
import Pipeline
import Testing
import VendorSandbox
import Vendors
import Warehouse

/// 2tCloud through the same layers as Copaco, against the sandbox over loopback, in both of
/// the formats a 2tCloud server may answer in.
@Suite(.serialized) struct TwoTCloudEndToEndTests {
    static let formats = ["json", "xml"]

    func start(_ format: String) async throws -> Harness {
        let harness = try await Harness.start(twotcloud: true)
        // A server that ignores `Accept: application/json` answers XML.
        harness.sandbox.faults.ignoreAccept = format == "xml"
        return harness
    }

    @Test(arguments: ["json", "xml"]) func totalsAreExactPerVendor(format: String) async throws {
        let harness = try await start(format)
        try await stopping(harness) {
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            let from = history.start.description, to = history.end.description
            let data = harness.sandbox.twotcloudData
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases WHERE vendor = 'twotcloud'") == data.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE vendor = 'twotcloud'") == data.totalMicros(.customerInvoices, from: from, to: to))
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE vendor = 'twotcloud' AND direction = 'incoming'") == Int64(data.lineCount(.invoices, from: from, to: to)))
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE vendor = 'twotcloud' AND direction = 'outgoing'") == Int64(data.lineCount(.customerInvoices, from: from, to: to)))
            let copaco = harness.sandbox.copacoData
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases WHERE vendor = 'copaco'") == copaco.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE vendor = 'copaco'") == copaco.totalMicros(.customerSpecifications, from: from, to: to))
            // Every line in exactly one row.
            #expect(try harness.scalar("SELECT count(DISTINCT incoming_line_id) + count(DISTINCT outgoing_line_id) FROM purchases")
                    == harness.scalar("SELECT count(*) FROM staging_lines"))
            // What was stored is what came over the wire: XML elements or JSON objects.
            let rawStart = format == "xml" ? "<Invoice>" : "{"
            #expect(try harness.scalar("SELECT count(*) FROM raw_documents WHERE vendor = 'twotcloud' AND substr(CAST(payload AS TEXT), 1, \(rawStart.utf8.count)) <> '\(rawStart)'") == 0)
            // The sandbox's built-in cases come out as the rules say (docs/reconciliation.md).
            let anomalies = harness.sandbox.twotcloudData.anomalies
            let ambiguousLines = anomalies.filter { $0.kind == .ambiguous }.reduce(0) { $0 + $1.purchaseLineIDs.count + $1.customerLineIDs.count }
            #expect(ambiguousLines > 0)
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND match_status = 'ambiguous'") == Int64(ambiguousLines))
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND match_status = 'ambiguous' AND match_candidates IS NULL") == 0)
            let decided = anomalies.filter { $0.kind == .seatIncreaseDecided }.reduce(0) { $0 + $1.purchaseLineIDs.count }
            #expect(decided > 0)
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND match_rule = 'subscription_sku_period+quantity'") >= Int64(decided))
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE match_rule LIKE '%+sum%'") == 0)
            let remainders = anomalies.filter { $0.kind == .seatIncreaseRemainder }.count
            #expect(remainders > 0)
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND match_rule = 'subscription_sku_period+remainder' AND match_status = 'quantity_mismatch'") == Int64(remainders))
            for status in ["matched", "unbilled", "unbacked", "quantity_mismatch"] {
                #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND match_status = '\(status)'") > 0, "\(status)")
            }
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud' AND customer_number LIKE '0%'") > 0)

            // Re-running changes nothing.
            let dump = try harness.purchasesDump()
            let again = try await harness.backfillAndReconcile()
            #expect(again.outcome == .ok)
            #expect(again.reports.allSatisfy { $0.outcome.documentsChanged == 0 })
            #expect(try harness.purchasesDump() == dump)
        }
    }

    /// The XML answer and the JSON answer give the same warehouse, row for row.
    @Test func xmlAndJSONGiveTheSamePurchases() async throws {
        var dumps: [String] = []
        for format in Self.formats {
            let harness = try await start(format)
            try await stopping(harness) {
                _ = try await harness.backfillAndReconcile()
                dumps.append(try harness.read { db in
                    try Row.fetchAll(db, sql: """
                        SELECT vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id, sku, description,
                               charge_type, period_start, period_end, currency, quantity_bought, quantity_billed, cost_micros,
                               sell_micros, margin_micros, match_status, match_rule, customer_key
                        FROM purchases ORDER BY vendor, invoice_date, invoice_id, customer_key, sku, period_start, cost_micros, sell_micros
                        """).map(\.description).joined(separator: "\n")
                })
            }
        }
        #expect(dumps.count == 2 && !dumps[0].isEmpty)
        #expect(dumps[0] == dumps[1])
    }

    @Test(arguments: ["json", "xml"]) func faultsAreSurvivedWithTheSameTotals(format: String) async throws {
        let harness = try await start(format)
        try await stopping(harness) {
            let faults = harness.sandbox.faults
            faults.failNext(3, status: 503, path: "/v2/invoices")
            faults.rateLimitNext(1, retryAfter: "0", path: "/v2/customerinvoices")
            faults.rateLimitNext(1, retryAfter: nil, path: "/v2/customerinvoices")
            faults.truncateNext(1, mode: .contentLength, path: "/v2/invoices")
            faults.truncateNext(1, mode: .chunked, path: "/v2/customerinvoices")
            faults.failNext(1, status: 504, path: "/v2/customerinvoices")
            faults.mutateFields = true
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            let retries = summary.reports.filter { $0.vendor == .twotcloud }.reduce(0) { $0 + $1.statistics.retries }
            #expect(retries >= 8)
            let from = history.start.description, to = history.end.description
            let data = harness.sandbox.twotcloudData
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases WHERE vendor = 'twotcloud'") == data.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE vendor = 'twotcloud'") == data.totalMicros(.customerInvoices, from: from, to: to))
        }
    }

    @Test func aReissuedCustomerInvoiceReplacesItsOldVersion() async throws {
        let harness = try await start("xml")
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let target = try #require(harness.sandbox.twotcloudData.documents(.customerInvoices, from: "2026-03-01", to: "2026-03-31").first)
            #expect(harness.sandbox.reissueTwoTCloud(invoiceID: target.invoiceID))
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.reports.first { $0.vendor == .twotcloud && $0.endpoint.name == "customerinvoices" }?.outcome.documentsChanged == 1)
            let from = history.start.description, to = history.end.description
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE vendor = 'twotcloud'")
                    == harness.sandbox.twotcloudData.totalMicros(.customerInvoices, from: from, to: to))
            #expect(try harness.scalar("SELECT versions FROM documents WHERE vendor = 'twotcloud' AND document_key = '\(target.invoiceID)'") == 2)
            #expect(try harness.scalar("SELECT count(DISTINCT incoming_line_id) + count(DISTINCT outgoing_line_id) FROM purchases")
                    == harness.scalar("SELECT count(*) FROM staging_lines"))
        }
    }

    /// A proxy that drops `Accept` for a night: the XML answer is the same documents in other
    /// bytes. They are kept and become current, but nothing was re-issued: no document
    /// changes, the purchases keep their rows and ids. The XML's fields (Street for Address,
    /// the tax fields in the Header) are compared with XML's own history, so the JSON fields
    /// are not reported gone.
    @Test func aNightOfXMLIsNoReissueAndNoFieldGone() async throws {
        let harness = try await start("json")
        try await stopping(harness) {
            _ = try await harness.backfillAndReconcile()
            let dump = try harness.purchasesDump()
            let documents = try harness.scalar("SELECT count(*) FROM documents WHERE vendor = 'twotcloud'")
            for ignoreAccept in [true, false, true] {
                harness.sandbox.faults.ignoreAccept = ignoreAccept
                let summary = try await harness.backfillAndReconcile()
                #expect(summary.outcome == .ok)
                #expect(summary.reports.allSatisfy { $0.outcome.documentsChanged == 0 })
                #expect(try harness.purchasesDump() == dump)
                let current = try harness.scalar("""
                    SELECT count(*) FROM documents d JOIN raw_documents r ON r.raw_id = d.current_raw_id
                    WHERE d.vendor = 'twotcloud' AND substr(CAST(r.payload AS TEXT), 1, 1) = '\(ignoreAccept ? "<" : "{")'
                    """)
                #expect(current == documents)
            }
            #expect(try harness.scalar("SELECT max(versions) FROM documents") == 1)
            #expect(try harness.scalar("""
                SELECT count(*) FROM staging_lines s JOIN documents d USING (vendor, endpoint, document_key) WHERE s.raw_id <> d.current_raw_id
                """) == 0)
            let changes = try harness.read { db in
                try String.fetchAll(db, sql: "SELECT api_version || ' ' || change || ' ' || path FROM vendor_fields WHERE change IS NOT NULL")
            }
            #expect(changes.isEmpty, "\(changes)")
            let versions = try harness.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT api_version FROM vendor_fields WHERE vendor = 'twotcloud' ORDER BY 1")
            }
            #expect(versions == ["v2", "v2 XML"])
            #expect(try harness.scalar("SELECT count(*) FROM vendor_fields WHERE api_version = 'v2 XML' AND path = 'Invoices[].Receiver.Street'") == 2)
        }
    }

    /// A key bound to another caller IP: 403, not retried, the message names both causes, and
    /// the nightly run completes Copaco and ends 2 (partial).
    @Test func forbiddenEndsPartialWithCopacoComplete() async throws {
        let harness = try await start("json")
        try await stopping(harness) {
            harness.sandbox.setTwoTCloudAllowedIP("203.0.113.7")
            let result = try await runBillwh(["nightly", "--db", harness.databasePath], environment: harness.environment)
            #expect(result.status == 2, "\(result.stderr)")
            for needle in ["403", "BILLWH_TWOTCLOUD_ACCOUNT_ID", "BILLWH_TWOTCLOUD_API_KEY", "Billing API", "IP address"] {
                #expect(result.stderr.contains(needle), "stderr lacks \(needle)")
            }
            let twotcloudRequests = harness.sandbox.requestLog.filter { $0.path.hasPrefix("/v2/") }
            #expect(twotcloudRequests.count == 2 && twotcloudRequests.allSatisfy { $0.status == 403 })
            // Copaco's data is complete for the window (400 days back from the real today, so
            // compare against what the ledger says was read).
            let window = try harness.read { db in
                try Row.fetchOne(db, sql: "SELECT min(window_start) AS s, max(window_end) AS e FROM ingest_runs WHERE vendor = 'copaco' AND status = 'ok'")
            }
            let from: String = try #require(window?["s"]), to: String = try #require(window?["e"])
            #expect(try harness.scalar("SELECT coalesce(sum(cost_micros), 0) FROM purchases WHERE vendor = 'copaco'") == harness.sandbox.copacoData.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud'") == 0)
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE vendor = 'twotcloud' AND status = 'failed' AND error LIKE '%IP address%'") == 2)
            // No credential anywhere: not the key, not the Basic header value.
            let basic = Data("\(harness.sandbox.configuration.twotcloudAccountID):\(harness.twotcloudKey)".utf8).base64EncodedString()
            for secret in [harness.twotcloudKey, basic, harness.apiKey] {
                #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
                for suffix in ["", "-wal"] {
                    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.databasePath + suffix))) ?? Data()
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "secret found in the database file\(suffix)")
                }
            }
            // Once the key's IP is right again, the next run completes.
            harness.sandbox.setTwoTCloudAllowedIP(nil)
            let fixed = try await runBillwh(["nightly", "--db", harness.databasePath], environment: harness.environment)
            #expect(fixed.status == 0, "\(fixed.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM purchases WHERE vendor = 'twotcloud'") > 0)
        }
    }

    /// consolidatedinvoices: raw only, never purchases; `status` counts its disagreements, and
    /// the export holds both vendors.
    @Test func consolidatedIsACrossCheckOnly() async throws {
        let started = try await start("json")
        try await stopping(started) {
            var harness = started
            _ = try await harness.backfillAndReconcile()
            let withoutConsolidated = try harness.purchasesDump()
            harness.includeConsolidated = true
            let summary = try await harness.backfillAndReconcile()
            #expect(summary.outcome == .ok)
            #expect(summary.reports.contains { $0.endpoint.name == "consolidatedinvoices" && $0.outcome.documents > 0 })
            #expect(try harness.purchasesDump() == withoutConsolidated)
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE endpoint = 'consolidatedinvoices'") == 0)
            #expect(try harness.scalar("SELECT count(*) FROM raw_documents WHERE endpoint = 'consolidatedinvoices'") > 0)
            #expect(try harness.scalar("SELECT count(*) FROM documents WHERE direction = 'crosscheck'") > 0)

            let check = try #require(try harness.read { try ConsolidatedCheck.compare($0) })
            let defects = harness.sandbox.twotcloudData.consolidatedDefects
            #expect(defects.dropped > 0 && defects.duplicated > 0 && defects.misassigned > 0)
            #expect(check.missingFromConsolidated == defects.dropped + defects.misassigned)
            #expect(check.onlyInConsolidated == defects.duplicated + defects.misassigned)
            let status = try await runBillwh(["status", "--db", harness.databasePath])
            #expect(status.status == 0)
            #expect(status.stdout.contains("\(check.disagreeing) lines disagree with the reconciled purchases"), "\(status.stdout)")

            let csv = harness.directory.appendingPathComponent("p.csv")
            let export = try await runBillwh(["export", "purchases", "--db", harness.databasePath, "--out", csv.path])
            #expect(export.status == 0, "\(export.stderr)")
            let vendors = try python("""
                import csv, sys
                rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
                print(','.join(sorted({r['vendor'] for r in rows})))
                """, arguments: [csv.path])
            #expect(vendors.trimmingCharacters(in: .whitespacesAndNewlines) == "copaco,twotcloud")

            // rederive checks the cross-check documents still decode, and stages none of them.
            let rederive = try await runBillwh(["rederive", "--db", harness.databasePath])
            #expect(rederive.status == 0, "\(rederive.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines WHERE endpoint = 'consolidatedinvoices'") == 0)
            #expect(try harness.purchasesDump() == withoutConsolidated)
        }
    }

    /// Configuration mistakes are caught before any request, with the variable to fix.
    @Test func misconfigurationSaysWhatToSet() async throws {
        let harness = try await start("json")
        try await stopping(harness) {
            var env = harness.environment
            env["BILLWH_TWOTCLOUD_API_VERSION"] = "v2.1"
            let badVersion = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(badVersion.status == 64 && badVersion.stderr.contains("BILLWH_TWOTCLOUD_API_VERSION"), "\(badVersion.stderr)")
            env = harness.environment
            env["BILLWH_TWOTCLOUD_API_KEY"] = nil
            let noKey = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(noKey.status == 64 && noKey.stderr.contains("BILLWH_TWOTCLOUD_API_KEY"), "\(noKey.stderr)")
            env["BILLWH_TWOTCLOUD_ACCOUNT_ID"] = nil
            let notConfigured = try await runBillwh(["ingest", "--vendor", "twotcloud", "--db", harness.databasePath], environment: env)
            #expect(notConfigured.status == 64 && notConfigured.stderr.contains("BILLWH_TWOTCLOUD_ACCOUNT_ID"), "\(notConfigured.stderr)")
            #expect(try await runBillwh(["ingest", "--vendor", "2tcloud", "--db", harness.databasePath], environment: env).status == 64)
            #expect(harness.sandbox.requestLog.isEmpty)
            // Configured right, one vendor at a time, with the cross-check endpoint.
            let only = try await runBillwh(["ingest", "--vendor", "twotcloud", "--include-consolidated", "--since", "2026-09-01", "--db", harness.databasePath],
                                     environment: harness.environment)
            #expect(only.status == 0, "\(only.stderr)")
            #expect(only.stderr.contains("twotcloud/consolidatedinvoices"))
            #expect(try harness.scalar("SELECT count(*) FROM ingest_runs WHERE vendor = 'copaco'") == 0)
            #expect(try harness.scalar("SELECT count(DISTINCT endpoint) FROM ingest_runs WHERE vendor = 'twotcloud'") == 3)
        }
    }
}
