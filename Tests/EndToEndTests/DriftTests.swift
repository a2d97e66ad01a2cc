import Foundation
import GRDB
import Ingestion
import Pipeline
import Testing
import VendorSandbox
import Warehouse

/// A vendor that renames, drops or re-cases fields: every rename or removal is quarantined with
/// its path and the run ends partial, the other vendor and documents are untouched, new fields
/// are listed, and once the drift is gone (or after `rederive`) the warehouse equals one that
/// never saw it.
@Suite(.serialized) struct DriftTests {
    /// Four months of both vendors: enough documents of every kind, quick to read.
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 8, day: 1)!, end: today)!
    static let copacoPaths = "/api/v1/"

    /// The warehouse without what records the drift itself (which fields were seen, the
    /// resolved quarantine): the same documents, versions, lines and purchases.
    /// Which tier of the match-group index a row sits in depends on when it was written, not on
    /// what it holds: left out too.
    static func dataDump(_ path: String) throws -> [String: [String]] {
        let tier = try Regex(#" recent:[01]"#)
        return try WarehouseDump.dump(path).filter { !["vendor_fields", "quarantine"].contains($0.key) }
            .mapValues { rows in rows.map { $0.replacing(tier, with: "") }.sorted() }
    }

    /// The warehouse the same sandbox gives without any drift.
    static func reference(_ harness: Harness) async throws -> [String: [String]] {
        let path = harness.directory.appendingPathComponent("reference.sqlite").path
        let runner = PipelineRunner(databasePath: path, settings: harness.settings, logger: harness.logs.logger, today: today)
        let summary = try await runner.nightly(window: window)
        #expect(summary.outcome == .ok)
        return try dataDump(path)
    }

    @Test(arguments: [
        (SandboxDrift.renameKey(from: "PriceLines", to: "PriceLineItems"), "PriceLines"),
        (.renameKey(from: "Customers", to: "Clients"), "Customers"),
        (.renameKey(from: "Subscriptions", to: "Services"), "Subscriptions"),
        (.dropKey("SKU"), "SKU"),
        (.dropKey("ExtendedPrice"), "ExtendedPrice"),
        (.renameKey(from: "StartDate", to: "PeriodStart"), "StartDate"),
        (.totalsOff, "Totals"),
    ])
    func aRenameOrRemovalIsQuarantinedWithItsPathAndUndoneWhenTheDriftStops(drift: SandboxDrift, field: String) async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            let reference = try await Self.reference(harness)

            harness.sandbox.faults.setDrift([drift], path: Self.copacoPaths)
            let drifted = try await harness.runner.nightly(window: Self.window)
            #expect(drifted.outcome == .partial)
            let copacoDocuments = harness.sandbox.copacoData.documents(.invoices, from: Self.window.start.description, to: today.description).count
                + harness.sandbox.copacoData.documents(.customerSpecifications, from: Self.window.start.description, to: today.description).count
            let quarantined = try harness.read { try Row.fetchAll($0, sql: "SELECT vendor, reason FROM quarantine WHERE resolved_at IS NULL") }
            // Every Copaco document of the window, none of 2tCloud's.
            #expect(quarantined.count == copacoDocuments)
            for row in quarantined {
                let reason: String = row["reason"]
                #expect((row["vendor"] as String) == "copaco")
                #expect(reason.contains(field), "\(reason)")
                #expect(reason.contains("renamed or removed by the vendor"), "\(reason)")
            }
            // Nothing of Copaco was stored as empty; 2tCloud is whole.
            #expect(try harness.scalar("SELECT count(*) FROM documents WHERE vendor = 'copaco'") == 0)
            let twotcloud = harness.sandbox.twotcloudData
            #expect(try harness.scalar("SELECT coalesce(sum(amount_micros), 0) FROM staging_lines WHERE vendor = 'twotcloud' AND direction = 'incoming'")
                    == twotcloud.totalMicros(.invoices, from: Self.window.start.description, to: today.description))
            // status shows the quarantine, and the renamed field as a change where one is new.
            let status = try harness.read { try StatusReport.render($0) }
            #expect(status.contains("Quarantined documents"))

            harness.sandbox.faults.setDrift([], path: Self.copacoPaths)
            let fixed = try await harness.runner.nightly(window: Self.window)
            #expect(fixed.outcome == .ok)
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == 0)
            let difference = WarehouseDump.difference(reference, try Self.dataDump(harness.databasePath))
            #expect(difference.lost == 0 && difference.extra == 0, "\(difference.detail)")
            #expect(try WarehouseDump.structuralProblems(harness.databasePath) == [])
        }
    }

    @Test func aRenameAfterGoodReadsIsListedAsAVendorChangeAndTheOldLinesStayCurrent() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .ok)
            let before = try harness.scalar("SELECT sum(amount_micros) FROM staging_lines")
            harness.sandbox.faults.setDrift([.renameKey(from: "PriceLines", to: "PriceLineItems")])
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .partial)
            // The earlier versions still count: nothing was replaced by an empty document.
            #expect(try harness.scalar("SELECT sum(amount_micros) FROM staging_lines") == before)
            let status = try harness.read { try StatusReport.render($0) }
            #expect(status.contains("Vendor changes"), "\(status)")
            // A renamed array is one line each way, its fields counted within.
            let changes = status.components(separatedBy: "\n").filter { $0.contains("PriceLine") }
            #expect(changes.filter { $0.contains(" new ") && $0.contains("Subscriptions[].PriceLineItems (and ") }.count == 2, "\(status)")
            #expect(changes.filter { $0.contains(" gone ") && $0.contains("Subscriptions[].PriceLines (and ") }.count == 2, "\(status)")
            // The log folds the same way: the array once per endpoint, none of its fields.
            func logged(_ path: String) -> [String] {
                harness.logs.text.components(separatedBy: "\n").filter { $0.contains("vendor change:") && $0.contains(path) }
            }
            #expect(logged("Subscriptions[].PriceLines (and ").count == 2, "\(logged("PriceLines"))")
            #expect(logged("PriceLines[].SKU").isEmpty)
            // A second night with the same drift logs no change again.
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .partial)
            #expect(logged("Subscriptions[].PriceLines (and ").count == 2)
        }
    }

    @Test func addedFieldsAndOtherLetterCasesChangeNoFigureAndAreListed() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .ok)
            let figures = "SELECT vendor, direction, count(*), sum(amount_micros) FROM staging_lines GROUP BY vendor, direction ORDER BY 1, 2"
            func rows(_ sql: String) throws -> [String] { try harness.read { try Row.fetchAll($0, sql: sql).map(\.description) } }
            let purchases = "SELECT vendor, invoice_id, customer_number, sku, period_start, cost_micros, sell_micros, match_status FROM purchases ORDER BY 1, 2, 3, 4, 5, 6, 7"
            let (stagedBefore, purchasedBefore) = (try rows(figures), try rows(purchases))
            harness.sandbox.faults.setDrift([.extraFields, .upperCaseKeys])
            let drifted = try await harness.runner.nightly(window: Self.window)
            #expect(drifted.outcome == .ok, "\(drifted.reports.compactMap(\.failure))")
            #expect(try harness.scalar("SELECT count(*) FROM quarantine") == 0)
            #expect(try rows(figures) == stagedBefore)
            #expect(try rows(purchases) == purchasedBefore)
            let status = try harness.read { try StatusReport.render($0) }
            #expect(status.uppercased().contains("XDRIFTNOTE"), "\(status)")
            // Letter case is no change: only the added fields are new.
            let new = try harness.read { try String.fetchAll($0, sql: "SELECT path FROM vendor_fields WHERE change = 'new'") }
            #expect(!new.isEmpty && new.allSatisfy { $0.uppercased().contains("XDRIFTNOTE") }, "\(new)")
            // Each path is spelled as last seen, the customers array (read unparsed) included.
            let spelled = try harness.read { try String.fetchAll($0, sql: "SELECT DISTINCT path FROM vendor_fields WHERE path_key IN ('invoices[].customers', 'invoices[].customers[].customernumber')") }
            #expect(spelled.sorted() == ["Invoices[].CUSTOMERS", "Invoices[].CUSTOMERS[].CUSTOMERNUMBER"], "\(spelled)")
        }
    }

    @Test func rederiveRebuildsLostLinesAndReleasesQuarantinedDocumentsWithoutAVendorCall() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .ok)
            let reference = try Self.dataDump(harness.databasePath)
            let db = harness.databasePath
            // What an older decoder left: Copaco documents stored without their lines (a renamed
            // array read as empty), and a 2tCloud document it rejected, reconciled that way.
            let emptied = try harness.read { try String.fetchAll($0, sql: "SELECT document_key FROM documents WHERE vendor = 'copaco' ORDER BY document_key LIMIT 3") }
            let rejected = try harness.read { try String.fetchOne($0, sql: "SELECT document_key FROM documents WHERE vendor = 'twotcloud' AND endpoint = 'customerinvoices' ORDER BY document_key LIMIT 1") }!
            try await WarehouseDatabase.openForWriting(path: db).write { db in
                try db.execute(sql: "DELETE FROM staging_lines WHERE vendor = 'copaco' AND document_key IN (\(emptied.map { "'\($0)'" }.joined(separator: ",")))")
                try db.execute(sql: """
                    INSERT INTO quarantine (vendor, endpoint, document_key, kind, reason, content_sha256, payload, first_seen_at, last_seen_at, ingest_id)
                    SELECT r.vendor, r.endpoint, r.document_key, 'rejected', 'an older decoder rejected it', r.content_sha256, r.payload, r.fetched_at, r.fetched_at, r.ingest_id
                    FROM raw_documents r WHERE r.vendor = 'twotcloud' AND r.endpoint = 'customerinvoices' AND r.document_key = ?
                    """, arguments: [rejected])
                try db.execute(sql: "DELETE FROM staging_lines WHERE vendor = 'twotcloud' AND document_key = ?", arguments: [rejected])
                try db.execute(sql: "DELETE FROM documents WHERE vendor = 'twotcloud' AND document_key = ?", arguments: [rejected])
                try db.execute(sql: "DELETE FROM raw_documents WHERE vendor = 'twotcloud' AND document_key = ?", arguments: [rejected])
                try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key) SELECT DISTINCT vendor, customer_key FROM purchases")
            }
            _ = try harness.runner.reconcile(full: true)
            #expect(WarehouseDump.difference(reference, try Self.dataDump(db)).lost > 0)

            let requestsBefore = harness.sandbox.requestLog.count
            let run = try await runBillwh(["rederive", "--db", db])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("3 restaged"), "\(run.stderr)")
            #expect(run.stderr.contains("1 released from quarantine"), "\(run.stderr)")
            #expect(harness.sandbox.requestLog.count == requestsBefore)
            let difference = WarehouseDump.difference(reference, try Self.dataDump(db))
            #expect(difference.lost == 0 && difference.extra == 0, "\(difference.detail)")
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == 0)
            #expect(try WarehouseDump.structuralProblems(db) == [])

            // Idempotent: a second run writes nothing.
            let again = try await runBillwh(["rederive", "--db", db])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains(" 0 restaged, 0 released"), "\(again.stderr)")
            #expect(WarehouseDump.difference(reference, try Self.dataDump(db)).lost == 0)
        }
    }

    /// Stored bytes that no longer match their hash are the file's damage, not a vendor's
    /// document: rederive says so and exits 1, leaving the document as it was.
    @Test func rederiveCallsAStoredDocumentWhoseBytesChangedDamage() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .ok)
            let db = harness.databasePath
            try await WarehouseDatabase.openForWriting(path: db).write { db in
                try db.execute(sql: """
                    UPDATE raw_documents SET payload = CAST(substr(CAST(payload AS TEXT), 1, 40) AS BLOB)
                    WHERE raw_id = (SELECT current_raw_id FROM documents WHERE vendor = 'copaco' ORDER BY document_key LIMIT 1)
                    """)
            }
            let lines = try harness.scalar("SELECT count(*) FROM staging_lines")
            let run = try await runBillwh(["rederive", "--db", db])
            #expect(run.status == 1 && run.stderr.contains("the warehouse file is damaged") && run.stderr.contains("no longer matches its SHA-256"),
                    "\(run.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM staging_lines") == lines)
        }
    }

    /// `afterGoodReads`: the documents' earlier versions decode, so rederive finds them current
    /// and unchanged; the newer versions that fail stay quarantined all the same.
    @Test(arguments: [false, true])
    func rederiveLeavesWhatStillDoesNotDecodeInQuarantineAndEndsPartial(afterGoodReads: Bool) async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            if afterGoodReads { #expect(try await harness.runner.nightly(window: Self.window).outcome == .ok) }
            harness.sandbox.faults.setDrift([.dropKey("SKU")], path: "/api/v1/invoices")
            #expect(try await harness.runner.nightly(window: Self.window).outcome == .partial)
            let quarantined = try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL")
            #expect(quarantined > 0)
            let run = try await runBillwh(["rederive", "--db", harness.databasePath, "--vendor", "copaco"])
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("SKU: missing"), "\(run.stderr)")
            #expect(try harness.scalar("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL") == quarantined)
            let copper = try await runBillwh(["rederive", "--db", harness.databasePath, "--vendor", "copper"])
            #expect(copper.status == 64 && copper.stderr.contains("invoice documents"), "\(copper.stderr)")
            let status = try await runBillwh(["status", "--db", harness.databasePath, "--fail-on", "quarantine"])
            #expect(status.status == 1, "\(status.stderr)")
        }
    }

    /// `kill -9` at random points of a rederive that has the whole history to rebuild; after
    /// each kill the file is sound and the lock free, and a run to the end gives the warehouse
    /// before the damage.
    @Test func aKilledRederiveIsFinishedByTheNextOne() async throws {
        let harness = try await Harness.start(twotcloud: true)
        try await stopping(harness) {
            // Two years: several batches of documents to rebuild.
            #expect(try await harness.runner.nightly(window: DateWindow(start: CalendarDate(year: 2024, month: 12, day: 1)!, end: today)!).outcome == .ok)
            let db = harness.databasePath
            let reference = try Self.dataDump(db)
            func damage() async throws {
                // Every other document loses its lines, as an older decoder would have left them.
                try await WarehouseDatabase.openForWriting(path: db).write { db in
                    try db.execute(sql: "DELETE FROM staging_lines WHERE raw_id IN (SELECT current_raw_id FROM documents WHERE current_raw_id % 2 = 0)")
                    try db.execute(sql: "INSERT OR IGNORE INTO reconcile_queue (vendor, customer_key) SELECT DISTINCT vendor, customer_key FROM purchases")
                }
                _ = try harness.runner.reconcile(full: true)
            }
            try await damage()
            let timed = try BillwhChild(["rederive", "--db", db], environment: [:])
            #expect(await timed.wait() == 0, "\(timed.stderr)")
            let full = ContinuousClock.now - timed.started
            print("DriftTests: an uninterrupted rederive took \(full)")
            #expect(WarehouseDump.difference(reference, try Self.dataDump(db)).lost == 0)

            var random = SplitMix64(seed: 16)
            var killed = 0
            for _ in 0..<3 {
                try await damage()
                for _ in 0..<2 {
                    let child = try BillwhChild(["rederive", "--db", db], environment: [:])
                    try await Task.sleep(for: full * (Double(random.below(90)) / 100.0))
                    if child.killHard() { killed += 1 }
                    #expect(try WarehouseDump.integrity(db) == "ok")
                    #expect(runLockIsFree(db))
                }
                let finish = try await runBillwh(["rederive", "--db", db])
                #expect(finish.status == 0, "\(finish.stderr)")
                let difference = WarehouseDump.difference(reference, try Self.dataDump(db))
                #expect(difference.lost == 0 && difference.extra == 0, "\(difference.detail)")
            }
            #expect(killed > 0)
            #expect(try WarehouseDump.structuralProblems(db) == [])
        }
    }
}
