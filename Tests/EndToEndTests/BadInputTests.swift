import Foundation
import GRDB
import Pipeline
import Testing
import VendorSandbox
import Warehouse

/// Bad input end to end: broken documents of both vendors (JSON and XML) are quarantined with
/// their reason and bytes while the rest is committed, and resolved once fixed; broken SQL and
/// unwritable or full export destinations fail with a clear message and exit code and leave
/// nothing half-written. (CommandLineTests has the refused write and the missing export folder.)
@Suite(.serialized) struct BadInputTests {
    @Test(arguments: ["json", "xml"]) func brokenDocumentsAreQuarantinedAndTheRestCommitted(format: String) async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            harness.sandbox.faults.ignoreAccept = format == "xml"
            // A year of documents (the CLI's window ends on the real date, the sandbox's data on `today`).
            let start = CalendarDate(year: 2025, month: 12, day: 1)!
            let from = start.description, to = today.description
            let copaco = harness.sandbox.copacoData, twotcloud = harness.sandbox.twotcloudData
            // Two kinds of damage, on both vendors and both directions.
            let bad: [(vendor: String, id: String, how: SandboxCorruption)] = [
                ("copaco", copaco.documents(.invoices, from: "2026-02-01", to: "2026-02-28")[0].invoiceID, .badAmount),
                ("copaco", copaco.documents(.customerSpecifications, from: "2026-07-01", to: "2026-07-31")[0].invoiceID, .missingHeader),
                ("twotcloud", twotcloud.documents(.invoices, from: "2026-05-01", to: "2026-05-31")[0].invoiceID, .badAmount),
                ("twotcloud", twotcloud.documents(.customerInvoices, from: "2026-03-01", to: "2026-03-31")[0].invoiceID, .missingHeader),
            ]
            for document in bad { harness.sandbox.faults.corruptDocument(invoiceID: document.id, how: document.how) }

            let env = harness.environment.merging(["BILLWH_LOOKBACK_DAYS": "\(lookbackDays(coveringFrom: start))"]) { $1 }
            let run = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.components(separatedBy: "quarantined document").count - 1 == bad.count, "\(run.stderr)")
            let rows = try harness.read { try Row.fetchAll($0, sql: "SELECT vendor, document_key, reason, length(payload) AS size FROM quarantine ORDER BY vendor") }
            #expect(rows.count == bad.count)
            for row in rows {
                let reason: String = row["reason"]
                #expect(reason.contains("ExtendedPrice") || reason.contains("Header: missing"), "\(reason)")
                #expect((row["size"] as Int) > 100)
            }
            // Documents with a readable key are quarantined under it.
            let keys = Set(rows.compactMap { $0["document_key"] as String? })
            #expect(keys == Set(bad.filter { $0.how == .badAmount }.map(\.id)))

            // Everything else is in: each vendor's totals less exactly the broken documents' lines.
            func micros(_ vendor: String, _ direction: String) throws -> Int64 {
                try harness.scalar("SELECT coalesce(sum(amount_micros), 0) FROM staging_lines WHERE vendor = '\(vendor)' AND direction = '\(direction)'")
            }
            let copacoBadIn = copaco.documents(.invoices, from: from, to: to).filter { $0.invoiceID == bad[0].id }
                .flatMap(\.customers).flatMap(\.subscriptions).flatMap(\.priceLines).reduce(Int64(0)) { $0 + $1.extendedPriceMicros }
            #expect(try micros("copaco", "incoming") == copaco.totalMicros(.invoices, from: from, to: to) - copacoBadIn)
            #expect(try harness.scalar("SELECT count(*) FROM documents") ==
                    Int64(copaco.documents(.invoices, from: from, to: to).count + copaco.documents(.customerSpecifications, from: from, to: to).count
                          + twotcloud.documents(.invoices, from: from, to: to).count + twotcloud.documents(.customerInvoices, from: from, to: to).count - bad.count))
            #expect(try WarehouseDump.structuralProblems(harness.databasePath) == [])

            // Fixed at the vendor: the next run takes them and resolves every sighting, keyed or not.
            for document in bad { harness.sandbox.faults.clearCorruption(invoiceID: document.id) }
            let fixed = try await runBillwh(["nightly", "--db", harness.databasePath], environment: env)
            #expect(fixed.status == 0, "\(fixed.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == 0)
            #expect(try harness.scalar("SELECT sum(cost_micros) FROM purchases WHERE vendor = 'copaco'") == copaco.totalMicros(.invoices, from: from, to: to))
            #expect(try harness.scalar("SELECT sum(sell_micros) FROM purchases WHERE vendor = 'twotcloud'") == twotcloud.totalMicros(.customerInvoices, from: from, to: to))
        }
    }

    /// A document the vendor's answer for its date no longer holds (here sent again under another
    /// number, which counts it twice) is kept and counted, and listed: by the run's warning and
    /// by `status`, until an answer holds it again.
    @Test func aDocumentMissingFromTheVendorsAnswerIsListed() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            let first = try await runBillwh(["nightly", "--db", db], environment: harness.environment)
            #expect(first.status == 0 && !first.stderr.contains("missing from the vendor's answer"), "\(first.stderr)")
            let october = harness.sandbox.copacoData.documents(.invoices, from: "2026-10-01", to: "2026-10-31")
            let id = try #require(october.first?.invoiceID), unkeyed = try #require(october.last?.invoiceID)
            // An answer with a document it cannot name (no Header) cannot tell which stored ones
            // are missing: it names none.
            harness.sandbox.faults.corruptDocument(invoiceID: unkeyed, how: .missingHeader)
            let headless = try await runBillwh(["nightly", "--db", db], environment: harness.environment)
            #expect(headless.status == 2 && !headless.stderr.contains("missing from the vendor's answer"), "\(headless.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM missing_documents") == 0)
            harness.sandbox.faults.clearCorruption(invoiceID: unkeyed)
            harness.sandbox.faults.corruptDocument(invoiceID: id, how: .renumbered)
            let metrics = harness.directory.appendingPathComponent("billwh.prom").path
            let renumbered = try await runBillwh(["nightly", "--db", db], environment: harness.environment.merging(["BILLWH_METRICS_FILE": metrics]) { $1 })
            #expect(renumbered.status == 0, "\(renumbered.stderr)")
            let samples = try prometheusSamples(metrics)
            #expect(samples["billwh_documents_missing{endpoint=invoices,vendor=copaco}"] == 1, "\(samples)")
            #expect(samples["billwh_documents_missing{endpoint=customer-specifications,vendor=copaco}"] == 0, "\(samples)")
            #expect(renumbered.stderr.contains("1 document read before is missing from the vendor's answer for its date: \(id) ("), "\(renumbered.stderr)")
            let status = try await runBillwh(["status", "--db", db])
            #expect(status.stdout.contains("Documents missing from the vendor's latest answer") && status.stdout.contains(id), "\(status.stdout)")
            #expect(try harness.read { try String.fetchAll($0, sql: "SELECT document_key FROM missing_documents") } == [id])

            // Sent again under its number: off the list, and now the renumbered copy is missing.
            harness.sandbox.faults.clearCorruption(invoiceID: id)
            let back = try await runBillwh(["nightly", "--db", db], environment: harness.environment)
            #expect(back.status == 0 && back.stderr.contains("\(id)-R ("), "\(back.stderr)")
            #expect(try harness.read { try String.fetchAll($0, sql: "SELECT document_key FROM missing_documents") } == [id + "-R"])
            // The same answer again: nothing newly missing, the list as it was.
            let again = try await runBillwh(["nightly", "--db", db], environment: harness.environment)
            #expect(again.status == 0 && !again.stderr.contains("missing from the vendor's answer"), "\(again.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM missing_documents") == 1)
        }
    }

    /// Broken SQL: exit 1 with SQLite's message, nothing printed, nothing changed — in read-only
    /// mode every statement is prepared before any runs; with --write an explicit transaction
    /// that fails is rolled back.
    @Test func brokenSQLFailsClearlyAndChangesNothing() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            _ = try await harness.runner.nightly(window: DateWindow(start: CalendarDate(year: 2026, month: 9, day: 1)!, end: today)!)
            let before = try WarehouseDump.dump(db)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: db))

            for sql in ["SELEC * FROM purchases", "SELECT * FROM no_such_table", "SELECT count(*) FROM purchases; SELEC 1",
                        "SELECT 'unterminated", "SELECT * FROM purchases WHERE", "/* only a comment */"] {
                let result = try await runBillwh(["query", "--db", db, "--format", "csv", sql])
                #expect(result.status == 1, "\(sql): \(result.stderr)")
                #expect(result.stderr.hasPrefix("billwh: error: "), "\(sql): \(result.stderr)")
                #expect(result.stderr.contains("SQL error") || result.stderr.contains("no SQL statement"), "\(sql): \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(sql): printed \(result.stdout.prefix(100))")
            }
            // No SQL at all is bad usage.
            let empty = try await runBillwh(["query", "--db", db, ""])
            #expect(empty.status == 64 && empty.stdout.isEmpty, "\(empty.stderr)")
            let explicit = try await runBillwh(["query", "--write", "--db", db, "BEGIN; DELETE FROM purchases; INSERT INTO nowhere VALUES (1); COMMIT;"])
            #expect(explicit.status == 1 && explicit.stderr.contains("no such table: nowhere"), "\(explicit.stderr)")
            let open = try await runBillwh(["query", "--write", "--db", db, "BEGIN; DELETE FROM purchases;"])
            #expect(open.status == 1 && open.stderr.contains("rolled back"), "\(open.stderr)")
            #expect(try WarehouseDump.dump(db) == before)
            _ = bytes
            #expect(try WarehouseDump.integrity(db) == "ok")

            let missing = try await runBillwh(["query", "--db", harness.directory.appendingPathComponent("nope.sqlite").path, "SELECT 1"])
            #expect(missing.status == 1 && missing.stderr.contains("no warehouse at"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: harness.directory.appendingPathComponent("nope.sqlite").path))
        }
    }

    /// Destinations that cannot be written: a folder, a path under a file, a file system that
    /// refuses new files, a file size limit hit half-way. Each fails with exit 1 naming the
    /// destination; an existing export is left as it was; no temporary file stays behind.
    @Test func exportsThatCannotBeWrittenLeaveNothingHalfWritten() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let db = harness.databasePath
            _ = try await harness.backfillAndReconcile()
            let folder = harness.directory.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let previous = Data("the previous complete export\r\n".utf8)
            let existing = folder.appendingPathComponent("purchases.csv")
            try previous.write(to: existing)
            let aFile = folder.appendingPathComponent("a-file")
            try Data().write(to: aFile)

            for destination in [folder.path, aFile.path + "/x.csv", "/proc/billwh-export.csv"] {
                let result = try await runBillwh(["export", "purchases", "--db", db, "--out", destination])
                #expect(result.status == 1, "\(destination): \(result.stderr)")
                #expect(result.stderr.contains(destination), "\(destination): \(result.stderr)")
            }
            // Disk full half-way (64 KB is a fraction of the export): the old file stays.
            let full = try BillwhChild(["export", "purchases", "--db", db, "--out", existing.path], environment: [:],
                                       shellPrefix: "trap '' XFSZ; ulimit -f 64")
            #expect(await full.wait() == 1, "\(full.stderr)")
            #expect(full.stderr.contains(existing.path) && full.stderr.contains("too large"), "\(full.stderr)")
            #expect(try Data(contentsOf: existing) == previous)
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["purchases.csv", "a-file"])
            // Then it works, replacing the old one.
            let ok = try await runBillwh(["export", "purchases", "--db", db, "--out", existing.path])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(try Data(contentsOf: existing).count > 64 << 10)

            let noDatabase = try await runBillwh(["export", "purchases", "--db", folder.appendingPathComponent("none.sqlite").path, "--out", existing.path])
            #expect(noDatabase.status == 1 && noDatabase.stderr.contains("no warehouse at"), "\(noDatabase.stderr)")
            #expect(try Data(contentsOf: existing).count > 64 << 10)
        }
    }
}
