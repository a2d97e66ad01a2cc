import Foundation
import GRDB
import Ingestion
import Reconciliation
import Testing
import Vendors
import Warehouse

/// A backfill into an empty warehouse is a bulk load: once the recent tier of the match-group
/// index is full, its lines are written without the settled index, which is built again when
/// the ingest ends. The purchases must be those of a full rebuild.
@Suite struct BulkLoadEndToEndTests {
    static let builtAgain = "built the match-group index of the staged lines again"

    @Test func aBackfillBuildsTheSettledIndexOnceAtTheEnd() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let database = try WarehouseDatabase.openForWriting(path: harness.databasePath)
            try await database.write { try $0.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (1, 'test', 1, 'now')") }
            let indexSQL = { try await database.read { db in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'staging_by_match_group'")
            } }
            let asMigrated = try await indexSQL()
            var ingestor = Ingestor(database: database, fetcher: HTTPFetcher(policy: harness.settings.retryPolicy, logger: harness.logs.logger),
                                    logger: harness.logs.logger)
            ingestor.recentTierHolds = 200
            let connector = CopacoConnector(settings: harness.settings.copaco!)

            let reports = try await ingestor.ingest(connector, window: history, runID: 1)
            #expect(reports.allSatisfy { $0.succeeded })
            #expect(harness.logs.text.components(separatedBy: Self.builtAgain).count == 2, "built once")
            #expect(try await indexSQL() == asMigrated)
            let (recent, settled) = try await database.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines WHERE recent = 1") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM staging_lines WHERE recent = 0") ?? 0)
            }
            // Windows go to the recent tier until it holds more than 200 lines (about 50 a window).
            #expect(recent > 200 && recent < 400 && settled > 5 * recent, "\(recent) recent, \(settled) settled")

            // Reading the same months again writes nothing: no bulk load, the index stays.
            _ = try await ingestor.ingest(connector, window: history, runID: 1)
            #expect(harness.logs.text.components(separatedBy: Self.builtAgain).count == 2)

            let (incremental, whole) = try await database.write { db in
                _ = try Reconciler.reconcile(db)
                let incremental = try Self.purchases(db)
                _ = try Reconciler.reconcile(db, full: true)
                return (incremental, try Self.purchases(db))
            }
            #expect(incremental == whole && !whole.isEmpty)
            #expect(try await database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        }
    }

    static func purchases(_ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: """
            SELECT vendor, invoice_id, customer_key, sku, period_start, cost_micros, sell_micros, match_status, match_rule,
                   incoming_line_id, outgoing_line_id, match_group
            FROM purchases ORDER BY incoming_line_id, outgoing_line_id
            """).map(\.description)
    }
}
