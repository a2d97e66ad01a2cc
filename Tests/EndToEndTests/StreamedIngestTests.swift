import Foundation
import GRDB
import Ingestion
import JSON
import Testing
import Vendors
import VendorSandbox
import Warehouse

/// Responses are written while they arrive, through a pipe that holds a few MB: read through a
/// pipe of 1 KB (full nearly all the time, so the connection waits for the writer) the
/// warehouse must come out the same, a body cut off after some documents must leave nothing of
/// itself, and an unreadable one must be quarantined whole, byte for byte.
@Suite(.serialized) struct StreamedIngestTests {
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 3, day: 1)!, end: today)!

    /// Ingests the window into a fresh warehouse at `path`; returns the Copaco reports.
    static func ingest(_ harness: Harness, into path: String, bufferBytes: Int,
                       maxDocumentBytes: Int = JSONEnvelopeCursor.defaultMaxElementBytes) async throws -> [EndpointReport] {
        let database = try WarehouseDatabase.openForWriting(path: path)
        try await database.write { try $0.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (1, 'test', 1, 'now')") }
        var ingestor = Ingestor(database: database, fetcher: HTTPFetcher(policy: harness.settings.retryPolicy, logger: harness.logs.logger),
                                logger: harness.logs.logger)
        ingestor.bodyBufferBytes = bufferBytes
        ingestor.maxDocumentBytes = maxDocumentBytes
        return try await ingestor.ingest(CopacoConnector(settings: harness.settings.copaco!), window: window, runID: 1)
    }

    @Test func aTinyPipeStoresTheSameWarehouse() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let reference = harness.directory.appendingPathComponent("reference.sqlite").path
            let tiny = harness.directory.appendingPathComponent("tiny.sqlite").path
            #expect(try await Self.ingest(harness, into: reference, bufferBytes: 4 << 20).allSatisfy { $0.succeeded })
            let reports = try await Self.ingest(harness, into: tiny, bufferBytes: 1024)
            #expect(reports.allSatisfy { $0.succeeded })
            #expect(reports.reduce(0) { $0 + $1.outcome.lines } > 500)
            #expect(try WarehouseDump.dump(tiny) == WarehouseDump.dump(reference))
            let payloads = { (path: String) in
                try WarehouseDatabase.openReadOnly(path: path).read { db in
                    try Row.fetchAll(db, sql: "SELECT content_sha256, payload FROM raw_documents ORDER BY content_sha256").map { row in
                        let payload: Data = row["payload"]
                        return "\(row["content_sha256"] as String) \(payload.count) \(sha256Hex(payload))"
                    }
                }
            }
            let raw = try payloads(tiny)
            #expect(raw == (try payloads(reference)) && !raw.isEmpty)
            #expect(raw.allSatisfy { $0.split(separator: " ")[0] == $0.split(separator: " ")[2] }, "each payload hashes to its content_sha256")
        }
    }

    @Test(arguments: [SandboxFaults.TruncationMode.contentLength, .chunked])
    func aBodyCutOffAfterSomeDocumentsLeavesNothingAndIsReadAgain(mode: SandboxFaults.TruncationMode) async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let reference = harness.directory.appendingPathComponent("reference.sqlite").path
            _ = try await Self.ingest(harness, into: reference, bufferBytes: 4 << 20)
            harness.sandbox.faults.truncateNext(2, mode: mode, path: "/api/v1/invoices")
            let cut = harness.directory.appendingPathComponent("cut.sqlite").path
            let reports = try await Self.ingest(harness, into: cut, bufferBytes: 1024)
            #expect(reports.allSatisfy { $0.succeeded })
            #expect(reports.first { $0.endpoint.name == "invoices" }?.statistics.retries == 2)
            #expect(try WarehouseDump.dump(cut) == WarehouseDump.dump(reference))
        }
    }

    @Test func anUnreadableBodyIsQuarantinedWholeAndNothingElseOfItsWindowKept() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            harness.sandbox.faults.invalidJSONNext(1, path: "/api/v1/invoices")
            let path = harness.directory.appendingPathComponent("w.sqlite").path
            let reports = try await Self.ingest(harness, into: path, bufferBytes: 1024)
            let invoices = try #require(reports.first { $0.endpoint.name == "invoices" })
            #expect(invoices.failure?.contains("quarantined") == true)
            let database = try WarehouseDatabase.openReadOnly(path: path)
            let quarantined = try database.read { try Row.fetchOne($0, sql: "SELECT payload, content_sha256 FROM quarantine WHERE document_key IS NULL") }
            let row = try #require(quarantined)
            let documents = try await database.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM raw_documents WHERE ingest_id IN (SELECT ingest_id FROM ingest_runs WHERE status = 'failed')
                    """) ?? -1
            }
            let (payload, hash) = (row["payload"] as Data, row["content_sha256"] as String)
            // The sandbox sends half the body and then a proxy's HTML page: all of it is kept,
            // many times what the pipe holds.
            #expect(payload.count > 16 * 1024)
            #expect(String(decoding: payload.suffix(60), as: UTF8.self).hasSuffix("502 Proxy Error</h1></body></html>\n"))
            #expect(payload.starts(with: Data(#"{"Invoices":"#.utf8)) || payload.first == UInt8(ascii: "{"))
            #expect(sha256Hex(payload) == hash)
            #expect(documents == 0, "nothing of the rejected window was kept")
        }
    }

    @Test func aDocumentOverTheLimitFailsItsWindowNamingTheSetting() async throws {
        let harness = try await Harness.start()
        try await stopping(harness) {
            let path = harness.directory.appendingPathComponent("w.sqlite").path
            let reports = try await Self.ingest(harness, into: path, bufferBytes: 1024, maxDocumentBytes: 2048)
            #expect(reports.allSatisfy { $0.failure?.contains("raise BILLWH_MAX_DOCUMENT_MB") == true })
            // The document is not said to be invalid: it was only too large to read.
            #expect(reports.allSatisfy { $0.failure?.contains("invalid JSON") == false })
            #expect(try await WarehouseDatabase.openReadOnly(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM staging_lines") } == 0)
        }
    }
}
