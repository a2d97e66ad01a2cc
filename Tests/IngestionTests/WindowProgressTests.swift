import Foundation
import GRDB
import Synchronization
import Testing
import TestSupport
@testable import Warehouse
@testable import Ingestion

/// A window of one large response is written for minutes: the writer tells its progress
/// display what it has written so far, at most once per interval.
@Suite struct WindowProgressTests {
    static let endpoint = Endpoint(name: "invoices", path: "/i", version: "v1", direction: .incoming)
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 1, day: 1)!, end: CalendarDate(year: 2026, month: 12, day: 31)!)!

    static func documents(_ count: Int, linesEach: Int) -> [FetchedDocument] {
        (0..<count).map { d in
            let lines = (0..<linesEach).map { l in
                var line = StagingLine(amount: Money(micros: Int64(d * 1_000 + l)))
                line.customerKey = "C-\(d % 7)"
                return line
            }
            let decoded = DecodedDocument(key: "INV-\(d)", date: CalendarDate(year: 2026, month: 3, day: 1 + d % 28)!, type: "Invoice",
                                          currency: "EUR", lines: lines)
            return FetchedDocument(raw: Array("{\"key\": \"INV-\(d)\"}".utf8), keyHint: "INV-\(d)", result: .success(decoded))
        }
    }

    static func record(_ documents: [FetchedDocument], every interval: Duration) throws -> (reports: [WindowOutcome], final: WindowOutcome) {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let reports = Mutex<[WindowOutcome]>([])
        let final = try warehouse.queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: Self.endpoint, window: Self.window, startedAt: "now",
                                    statistics: FetchStatistics(), status: "ok")
            return try IngestWriter.record(db, entry: entry, stream: .eager { documents },
                                           progress: { outcome in reports.withLock { $0.append(outcome) } },
                                           progressEvery: interval).outcome
        }
        return (reports.withLock { $0 }, final)
    }

    @Test func eachReportIsWhatTheWindowHadWrittenThen() throws {
        let (reports, final) = try Self.record(Self.documents(12, linesEach: 3), every: .zero)
        // Before each document: what the ones before it wrote.
        #expect(reports.map(\.documents) == Array(0..<12))
        #expect(reports.map(\.lines) == (0..<12).map { $0 * 3 })
        #expect(final.documents == 12 && final.lines == 36)
    }

    @Test func aLongIntervalReportsNothingForAShortWindow() throws {
        let (reports, final) = try Self.record(Self.documents(5, linesEach: 2), every: .seconds(3_600))
        #expect(reports.isEmpty)
        #expect(final.lines == 10)
    }
}
