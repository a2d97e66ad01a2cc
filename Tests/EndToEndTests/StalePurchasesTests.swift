import Foundation
import Testing

/// Documents staged but not yet reconciled (a nightly killed between its ingest and its
/// reconcile, or `ingest` alone): an export would count superseded documents, so it is refused
/// until `reconcile` has run, unless asked for as it is; the report says so.
@Suite struct StalePurchasesTests {
    @Test func anExportOfPurchasesBehindStagingIsRefused() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            let ingest = try await runBillwh(["ingest", "--db", db, "--since", "2026-10-01", "--until", "2026-10-31"], environment: harness.environment)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let csv = harness.directory.appendingPathComponent("p.csv").path

            let refused = try await runBillwh(["export", "purchases", "--db", db, "--out", csv])
            #expect(refused.status == 1 && refused.stderr.contains("purchases are behind the staged documents")
                    && refused.stderr.contains("billwh reconcile --db \(db)") && refused.stderr.contains("--unreconciled"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: csv))

            let asIs = try await runBillwh(["export", "purchases", "--db", db, "--out", csv, "--unreconciled"])
            #expect(asIs.status == 0 && asIs.stderr.contains("warning: purchases are behind"), "\(asIs.stderr)")
            let report = try await runBillwh(["report", "html", "--db", db, "--out", harness.directory.appendingPathComponent("r.html").path])
            #expect(report.status == 0 && report.stderr.contains("warning: purchases are behind"), "\(report.stderr)")

            #expect(try await runBillwh(["reconcile", "--db", db]).status == 0)
            let current = try await runBillwh(["export", "purchases", "--db", db, "--out", csv])
            #expect(current.status == 0 && !current.stderr.contains("behind"), "\(current.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM purchases") > 0)
        }
    }
}
