import Foundation
import GRDB
import GRDBSQLite
import NIOCore
import Testing
import TestSupport
import Warehouse
@testable import Ingestion

/// An unreadable body is quarantined from its scratch copy, piece by piece: byte for byte when
/// it fits in one SQLite value, else its start, with the reason saying how much was kept.
@Suite(.serialized) struct WholeBodyQuarantineTests {
    static let endpoint = Endpoint(name: "invoices", path: "/api/v1/invoices", version: "v1", direction: .incoming)
    static let window = DateWindow(start: CalendarDate(year: 2026, month: 3, day: 1)!, end: CalendarDate(year: 2026, month: 3, day: 31)!)!

    /// `sqliteMemory`: SQLite's own peak allocation while the body was written (process-wide).
    static func quarantine(_ body: [UInt8], lengthLimit: Int32? = nil, redacting secrets: [(String, Secret)] = []) throws -> (payload: Data, hash: String, reason: String, sqliteMemory: Int64) {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        if let lengthLimit {
            queue.writeWithoutTransaction { db in _ = sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, lengthLimit) }
        }
        let spool = try BodySpool()
        for start in stride(from: 0, to: body.count, by: 3000) {
            try spool.write(ByteBuffer(bytes: body[start..<min(body.count, start + 3000)]))
        }
        _ = sqlite3_memory_highwater(1)
        try queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: Self.endpoint, window: Self.window, startedAt: "now",
                                    statistics: FetchStatistics(), status: "failed", error: "unreadable")
            _ = try IngestWriter.record(db, entry: entry, documents: [], bodyRejection: (spool, DocumentRejection("not JSON")), redacting: CredentialEcho(VendorRequest(url: "http://127.0.0.1/", secretHeaders: secrets)))
        }
        let peak = sqlite3_memory_highwater(0)
        let row = try #require(try queue.read { try Row.fetchOne($0, sql: "SELECT payload, content_sha256, reason FROM quarantine") })
        return (row["payload"], row["content_sha256"], row["reason"], peak)
    }

    static let body: [UInt8] = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 251) }

    @Test func theWholeBodyByteForByte() throws {
        let stored = try Self.quarantine(Self.body)
        #expect(stored.payload == Data(Self.body))
        #expect(stored.hash == sha256Hex(Self.body))
        #expect(stored.reason == "whole response: not JSON")
    }

    /// A proxy's page that shows the request: kept, without the key (content_sha256 is still of
    /// the bytes received, so the same page seen again is the same sighting).
    @Test func credentialsInTheBodyAreRedacted() throws {
        let key = "copaco-key-0123456789"
        let page = Array("<html><pre>GET /api/v1/invoices\nX-Api-Key: \(key)\n</pre>".utf8) + Self.body + Array(key.utf8)
        let stored = try Self.quarantine(page, redacting: [("X-Api-Key", Secret(key))])
        let text = String(decoding: stored.payload, as: UTF8.self)
        #expect(!text.contains(key) && text.hasPrefix("<html><pre>GET /api/v1/invoices\nX-Api-Key: <redacted>\n</pre>"))
        #expect(stored.payload.suffix(10) == Data("<redacted>".utf8))
        #expect(stored.hash == sha256Hex(page))
        #expect(stored.reason == "whole response: not JSON (credentials in it redacted)")
        // Without the key in it, the body is kept byte for byte.
        #expect(try Self.quarantine(Self.body, redacting: [("X-Api-Key", Secret(key))]).payload == Data(Self.body))
    }

    /// A page of any size: the search and the copy go piece by piece (1 MiB each), so a key
    /// cut in two by a piece's end is found as well.
    @Test func credentialsInALargeBodyAreRedactedAcrossPieces() throws {
        let key = "copaco-key-0123456789"
        var page = [UInt8](repeating: UInt8(ascii: "."), count: 20 << 20)
        for start in [(1 << 20) - 7, 5 << 20, page.count - key.utf8.count] {
            page.replaceSubrange(start..<start + key.utf8.count, with: Array(key.utf8))
        }
        let stored = try Self.quarantine(page, redacting: [("X-Api-Key", Secret(key))])
        #expect(!String(decoding: stored.payload, as: UTF8.self).contains(key))
        #expect(stored.payload.count == page.count + 3 * ("<redacted>".utf8.count - key.utf8.count))
        #expect(stored.hash == sha256Hex(page))
        #expect(stored.reason.hasSuffix("(credentials in it redacted)"))
    }

    /// 2tCloud's Basic credentials are echoed in any of their forms: the header's token, or the
    /// decoded account and key.
    @Test func basicCredentialsInTheBodyAreRedactedInEveryForm() throws {
        let pair = "acct-42:twotcloud-secret-key"
        let token = Data(pair.utf8).base64EncodedString()
        let page = Array("Authorization: Basic \(token)\nuser \(pair)\nkey twotcloud-secret-key\n".utf8) + Self.body
        let stored = try Self.quarantine(page, redacting: [("Authorization", Secret("Basic \(token)"))])
        let text = String(decoding: stored.payload, as: UTF8.self)
        #expect(!text.contains(token) && !text.contains("twotcloud-secret-key"))
        #expect(text.hasPrefix("Authorization: <redacted>\nuser <redacted>\nkey <redacted>\n"))
    }

    /// The body goes into its row piece by piece: SQLite never holds it whole (with the payload
    /// anywhere but last in the row, it built the whole value, and then the whole record).
    @Test func aLargeBodyIsNeverWholeInMemory() throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 96 << 20)
        let stored = try Self.quarantine(body)
        #expect(stored.payload.count == body.count && stored.hash == sha256Hex(body))
        // Other suites' connections count too (the peak is process-wide; this suite's own large
        // bodies run one at a time): the bound is loose, and still well under the body.
        #expect(stored.sqliteMemory < 72 << 20, "SQLite held \(stored.sqliteMemory >> 20) MiB for a body of 96 MiB")
    }

    @Test func aBodyOverSQLitesLargestValueKeepsItsStartAndSaysSo() throws {
        let stored = try Self.quarantine(Self.body, lengthLimit: 10_000)
        // The limit is on the row: a tenth of it is left to the other columns.
        #expect(stored.payload == Data(Self.body.prefix(9_000)))
        #expect(stored.hash == sha256Hex(Self.body), "the hash is of the whole body")
        #expect(stored.reason.contains("the first 9000 of its 50000 bytes are kept"))
    }
}
