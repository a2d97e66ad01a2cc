import Foundation
import GRDB
import Ingestion
import Testing
import TestSupport
import Warehouse
@testable import Vendors

/// Documents are written while they are decoded. A line that fails late in a document must
/// leave no trace of that version — its earlier lines, its raw bytes — and the version before
/// it must stay current, as if the document had been rejected before anything was written.
@Suite struct StreamedWriteTests {
    let connector = CopacoConnector(settings: .init(baseURL: "http://127.0.0.1:1", apiKey: Secret("k")))

    static func invoice(_ id: String, customers: Int, badLast: Bool = false, amount: String = "1.25", type: String = "Invoice") -> String {
        let entries = (0..<customers).map { c in
            let price = badLast && c == customers - 1 ? "1.1234567" : amount
            return #"{"AccountID": 500\#(c), "CustomerNumber": "C\#(c)", "Subscriptions": [{"SubscriptionID": "S", "PriceLines": [{"SKU": "A", "ExtendedPrice": \#(price), "Quantity": 1, "VAT": 0, "InvoiceRowHash": "\#(id)-\#(c)", "StartDate": "2026-10-01", "EndDate": "2026-10-31"}]}]}"#
        }
        // Header after Customers: fields may come in any order.
        return #"{"Customers": [\#(entries.joined(separator: ", "))], "Header": {"InvoiceID": "\#(id)", "Date": "2026-10-01", "Currency": "EUR", "Type": "\#(type)"}}"#
    }

    func write(_ queue: DatabaseQueue, _ invoices: [String], echo: CredentialEcho? = nil) throws -> (outcome: WindowOutcome, rejected: [QuarantinedDocument]) {
        let written = try record(queue, invoices, echo: echo)
        return (written.outcome, written.rejected)
    }

    func record(_ queue: DatabaseQueue, _ invoices: [String], echo: CredentialEcho? = nil) throws -> RecordedWindow {
        let body = Array(#"{"Invoices": [\#(invoices.joined(separator: ","))]}"#.utf8)
        return try queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: CopacoConnector.invoices,
                                    window: DateWindow(start: CalendarDate(year: 2026, month: 10, day: 1)!, end: CalendarDate(year: 2026, month: 10, day: 31)!)!,
                                    startedAt: "now", statistics: FetchStatistics(), status: "ok")
            return try IngestWriter.record(db, entry: entry, stream: connector.documentStream(body, endpoint: CopacoConnector.invoices),
                                           redacting: echo)
        }
    }

    /// A new version of the other kind (a credit note under the invoice's number) replaces the
    /// invoice, as re-issues do, and is said: it is more likely a document of its own.
    @Test func aVersionOfTheOtherKindIsSaid() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        #expect(try record(warehouse.queue, [Self.invoice("X-100", customers: 1, amount: "100.00")]).warnings == [])
        let credit = Self.invoice("X-100", customers: 1, amount: "-100.00", type: "Credit")
        let written = try record(warehouse.queue, [credit])
        #expect(written.outcome.documentsChanged == 1)
        #expect(written.warnings == ["X-100: this version is a credit note where the one before was an invoice; only the latest version of a "
                                        + "document counts, so its lines replaced the earlier ones: ask the vendor whether it should have had a number of its own"],
                "\(written.warnings)")
        // The same version again, or another version of the same kind, says nothing.
        #expect(try record(warehouse.queue, [credit]).warnings == [])
        #expect(try record(warehouse.queue, [credit.replacingOccurrences(of: "-100.00", with: "-90.00")]).warnings == [])
    }

    /// A version without lines (an empty `Customers`, which the contract allows) takes the
    /// earlier lines out of the books, as the latest version must; it is said, naming how many.
    @Test func aVersionWithoutLinesIsSaid() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        #expect(try record(warehouse.queue, [Self.invoice("X-200", customers: 3)]).warnings == [])
        let emptied = try record(warehouse.queue, [Self.invoice("X-200", customers: 0)])
        #expect(emptied.outcome.documentsChanged == 1 && emptied.outcome.quarantined == 0)
        #expect(emptied.warnings == ["X-200: this version has no lines where the one before had 3; only the latest version of a "
                                            + "document counts, so they no longer count: ask the vendor whether the document was withdrawn or sent incomplete"],
                "\(emptied.warnings)")
        #expect(try warehouse.queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM staging_lines") } == 0)
        // Lines again say nothing; an empty version after an empty one neither.
        #expect(try record(warehouse.queue, [Self.invoice("X-200", customers: 1)]).warnings == [])
        #expect(try record(warehouse.queue, [Self.invoice("X-201", customers: 0)]).warnings == [])
    }

    /// Fields the contract requires but billwh can do without (kept empty) are counted over a
    /// window's new versions and said once each; so is a credit note whose lines are all positive.
    @Test func requiredFieldsLackingAndPositiveCreditsAreSaid() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let renamed = Self.invoice("X-300", customers: 2).replacingOccurrences(of: #""Quantity": 1, "VAT": 0"#, with: #""Qty": 1, "VATAmount": 0"#)
        let untyped = Self.invoice("X-301", customers: 1).replacingOccurrences(of: #", "Type": "Invoice""#, with: "")
            .replacingOccurrences(of: #""AccountID": 5000"#, with: #""AccountNumber": 5000"#)
        let positive = Self.invoice("X-302", customers: 1, amount: "20.000001", type: "Credit")
        let written = try record(warehouse.queue, [renamed, untyped, positive, Self.invoice("X-303", customers: 1, amount: "-5", type: "Credit")])
        #expect(written.outcome.documents == 4 && written.outcome.quarantined == 0)
        #expect(written.warnings.count == 5, "\(written.warnings)")
        #expect(written.warnings.contains { $0.hasPrefix("2 of 5 lines of new or changed documents came without Quantity") })
        #expect(written.warnings.contains { $0.hasPrefix("2 of 5 lines of new or changed documents came without VAT") })
        #expect(written.warnings.contains { $0.hasPrefix("1 of 4 new or changed documents came without Header.Type") })
        #expect(written.warnings.contains { $0.hasPrefix("1 of 5 lines of new or changed documents came without their customer's AccountID") })
        #expect(written.warnings.contains { $0.hasPrefix("1 credit notes whose lines are all positive") && $0.contains("(X-302)") })
        // The same documents again are no new versions: nothing is said.
        #expect(try record(warehouse.queue, [renamed, untyped, positive]).warnings == [])
    }

    /// Price lines moved into an array billwh does not read are said, even on a first load
    /// (where no field is new yet); the document is still read, as the contract wants.
    @Test func amountsWhereNoneAreReadAreSaid() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let moved = Self.invoice("X-400", customers: 1).replacingOccurrences(
            of: #""SubscriptionID": "S", "#,
            with: #""SubscriptionID": "S", "AdditionalPriceLines": [{"SKU": "B", "extendedPrice": 70.50}], "#)
        let written = try record(warehouse.queue, [moved, Self.invoice("X-401", customers: 2)])
        #expect(written.outcome.documents == 2 && written.outcome.lines == 3 && written.outcome.quarantined == 0)
        #expect(written.warnings.count == 1, "\(written.warnings)")
        #expect(written.warnings.first?.hasPrefix(
            "1 documents hold an amount at Invoices[].Customers[].Subscriptions[].AdditionalPriceLines[].extendedPrice, where billwh reads none") == true,
            "\(written.warnings)")
        // Said on every window that holds it: the lines stay uncounted until a decoder reads them.
        #expect(try record(warehouse.queue, [moved]).warnings.count == 1)
    }

    /// The same in 2tCloud's XML, whose elements make the same paths (`<PriceLines><PriceLine>`
    /// is `PriceLines[]`): an amount in an element billwh does not read is said, and a document
    /// without one says nothing.
    @Test func amountsWhereNoneAreReadAreSaidInXML() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let twotcloud = TwoTCloudConnector(settings: .init(baseURL: "http://127.0.0.1:1/", accountID: "100042", apiKey: Secret("k")))
        func record(_ xml: String) throws -> RecordedWindow {
            try warehouse.queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .twotcloud, endpoint: twotcloud.invoices,
                                        window: DateWindow(start: CalendarDate(year: 2026, month: 10, day: 1)!, end: CalendarDate(year: 2026, month: 10, day: 31)!)!,
                                        startedAt: "now", statistics: FetchStatistics(), status: "ok")
                return try IngestWriter.record(db, entry: entry, stream: twotcloud.documentStream(Array(xml.utf8), endpoint: twotcloud.invoices))
            }
        }
        // (The sample document has no VAT, which is said on its own.)
        func unread(_ warnings: [String]) -> [String] { warnings.filter { $0.contains("where billwh reads none") } }
        #expect(unread(try record(TwoTCloudDecodingTests.xml).warnings) == [])
        let moved = TwoTCloudDecodingTests.xml.replacingOccurrences(
            of: "</PriceLines></Subscription>",
            with: "</PriceLines><AdditionalPriceLines><AdditionalPriceLine><SKU>B</SKU><ExtendedPrice>70.50</ExtendedPrice></AdditionalPriceLine></AdditionalPriceLines></Subscription>")
        #expect(moved != TwoTCloudDecodingTests.xml)
        let written = try record(moved)
        #expect(written.outcome.lines == 2 && written.outcome.quarantined == 0)
        #expect(unread(written.warnings).count == 1 && unread(written.warnings).first?.hasPrefix(
            "1 documents hold an amount at Invoices[].Customers[].Subscriptions[].AdditionalPriceLines[].ExtendedPrice, where billwh reads none") == true,
            "\(written.warnings)")
    }

    @Test func aLineFailingLateLeavesThePreviousVersionCurrent() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue

        let first = try write(queue, [Self.invoice("INV-1", customers: 300), Self.invoice("INV-2", customers: 2)])
        #expect(first.outcome.documents == 2 && first.outcome.lines == 302 && first.outcome.quarantined == 0)

        // A new version of INV-1 whose 400th line has 7 decimals, between two good documents.
        let second = try write(queue, [Self.invoice("INV-0", customers: 3), Self.invoice("INV-1", customers: 400, badLast: true, amount: "2.5"),
                                       Self.invoice("INV-2", customers: 2, amount: "9")])
        #expect(second.outcome.documents == 2 && second.outcome.quarantined == 1 && second.outcome.lines == 5)
        #expect(second.rejected.map(\.key) == ["INV-1"])
        #expect(second.rejected.first?.reason.contains("Customers[399]") == true, "\(second.rejected)")

        try queue.read { db in
            let lines = try Row.fetchAll(db, sql: """
                SELECT document_key, count(*) AS n, sum(amount_micros) AS total, count(DISTINCT raw_id) AS versions
                FROM staging_lines GROUP BY document_key ORDER BY document_key
                """).map { "\($0["document_key"] as String):\($0["n"] as Int):\($0["total"] as Int64):\($0["versions"] as Int)" }
            #expect(lines == ["INV-0:3:3750000:1", "INV-1:300:375000000:1", "INV-2:2:18000000:1"])
            let raws = try Row.fetchAll(db, sql: "SELECT document_key, count(*) AS n FROM raw_documents GROUP BY document_key ORDER BY document_key")
                .map { "\($0["document_key"] as String):\($0["n"] as Int)" }
            #expect(raws == ["INV-0:1", "INV-1:1", "INV-2:2"], "the rejected version's bytes are in quarantine, not raw")
            let current = try Int64.fetchOne(db, sql: "SELECT current_raw_id FROM documents WHERE document_key = 'INV-1'")
            let firstRaw = try Int64.fetchOne(db, sql: "SELECT raw_id FROM raw_documents WHERE document_key = 'INV-1'")
            #expect(current == firstRaw)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM quarantine WHERE document_key = 'INV-1' AND resolved_at IS NULL") == 1)
            // Only the documents that changed were queued (C300… are only in the rejected
            // version), each customer whole: none has purchases yet.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM reconcile_queue_groups") == 300)
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT match_group FROM reconcile_queue_groups") == [MatchGroupIndex.wholeCustomer])
        }
    }

    /// Two different documents under one InvoiceID in one response: the second would replace
    /// the first one's lines without a word. It is quarantined instead, the first kept; an
    /// identical copy is no conflict. A second run ends the same way.
    /// One document whose text no reader can use (an emoji cut in two, a byte of another
    /// encoding) is quarantined, byte for byte; the documents around it are written.
    @Test func aDocumentWithABadStringIsQuarantinedAndTheOthersWritten() throws {
        for bad in [#"Caf\ud83d"#, "Caf\u{FF}"] {
            let warehouse = try TempWarehouse(withRun: true)
            defer { warehouse.remove() }
            let spoiled = Self.invoice("INV-2", customers: 2).replacingOccurrences(of: #""C1""#, with: #""\#(bad)""#)
            let invoices = [Self.invoice("INV-1", customers: 2), spoiled, Self.invoice("INV-3", customers: 1)]
            // ÿ as the byte of another encoding, not as UTF-8.
            let bytes = { (text: String) -> [UInt8] in
                var bytes = Array(text.utf8)
                while let i = bytes.firstIndex(of: 0xC3), bytes[i + 1] == 0xBF { bytes.replaceSubrange(i...i + 1, with: [0xFF]) }
                return bytes
            }
            let body = bytes(#"{"Invoices": [\#(invoices.joined(separator: ","))]}"#)
            let written = try warehouse.queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: CopacoConnector.invoices,
                                        window: DateWindow(start: CalendarDate(year: 2026, month: 10, day: 1)!, end: CalendarDate(year: 2026, month: 10, day: 31)!)!,
                                        startedAt: "now", statistics: FetchStatistics(), status: "ok")
                return try IngestWriter.record(db, entry: entry, stream: connector.documentStream(body, endpoint: CopacoConnector.invoices))
            }
            #expect(written.outcome.documents == 2 && written.outcome.lines == 3 && written.outcome.quarantined == 1, "\(bad)")
            let reason = written.rejected.first?.reason ?? ""
            #expect(reason.contains(bad.hasPrefix("Caf\\") ? "a lone UTF-16 surrogate in a string" : "a string is not valid UTF-8"), "\(reason)")
            let payload = try warehouse.queue.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM quarantine") }
            #expect(payload.map(Array.init) == bytes(spoiled), "the document's own bytes, as sent")
            // Bytes of another encoding leave the document's key readable: the quarantine names it.
            let key = try warehouse.queue.read { db in try String.fetchOne(db, sql: "SELECT document_key FROM quarantine") }
            #expect(key == (bad.hasPrefix("Caf\\") ? nil : "INV-2"), "\(bad)")
        }
    }

    @Test func aSecondDifferentDocumentUnderTheSameKeyInOneResponseIsQuarantined() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        let response = [Self.invoice("DUP-7", customers: 2, amount: "100"), Self.invoice("INV-2", customers: 1),
                        Self.invoice("DUP-7", customers: 1, amount: "40"), Self.invoice("INV-2", customers: 1)]
        for _ in 0..<2 {
            let written = try write(queue, response)
            // The identical copy of INV-2 is one document, counted once.
            #expect(written.outcome.documents == 2 && written.outcome.quarantined == 1 && written.outcome.lines == 3, "\(written.outcome)")
            #expect(written.rejected.map(\.key) == ["DUP-7"])
            #expect(written.rejected.first?.reason.contains("a second, different document under the same key in one response") == true)
            try queue.read { db throws in
                #expect(try Int64.fetchOne(db, sql: "SELECT sum(amount_micros) FROM staging_lines WHERE document_key = 'DUP-7'") == 200_000_000)
                #expect(try String.fetchAll(db, sql: "SELECT kind FROM quarantine WHERE document_key = 'DUP-7' AND resolved_at IS NULL") == ["duplicate_key"])
                #expect(try Int.fetchOne(db, sql: "SELECT versions FROM documents WHERE document_key = 'DUP-7'") == 1)
            }
        }
    }

    /// A key the response used twice is a conflict whichever copy decodes, and the same bytes
    /// twice are one document, counted once.
    @Test func aRepeatedKeyIsAConflictWhicheverCopyDecodes() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        let bad = Self.invoice("DUP-8", customers: 1, badLast: true), good = Self.invoice("DUP-8", customers: 1, amount: "40")
        let written = try write(queue, [bad, good, Self.invoice("INV-3", customers: 1), Self.invoice("INV-3", customers: 1)])
        #expect(written.outcome.documents == 1 && written.outcome.lines == 1 && written.outcome.quarantined == 2, "\(written.outcome)")
        #expect(written.rejected.last?.reason.contains("the first one did not decode and is quarantined too") == true, "\(written.rejected)")
        try queue.read { db throws in
            #expect(try String.fetchAll(db, sql: "SELECT kind FROM quarantine WHERE document_key = 'DUP-8' AND resolved_at IS NULL ORDER BY quarantine_id")
                    == ["rejected", "duplicate_key"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM documents WHERE document_key = 'DUP-8'") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT documents FROM ingest_runs") == 1)
        }
    }

    /// A rejected document's key and reason may quote the credentials (an InvoiceID that is the
    /// key): the quarantine row and the run's list hold them redacted, like the payload.
    @Test func aQuarantinedDocumentsKeyAndReasonAreRedacted() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let key = "copaco-secret-key-42"
        let echo = CredentialEcho(VendorRequest(url: "http://127.0.0.1/", secretHeaders: [("X-Api-Key", Secret(key))]))
        let written = try write(warehouse.queue, [Self.invoice(key, customers: 1, badLast: true)], echo: echo)
        #expect(written.outcome.quarantined == 1)
        #expect(!"\(written.rejected)".contains(key) && written.rejected.first?.key == "<redacted>", "\(written.rejected)")
        try warehouse.queue.read { db throws in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT document_key, reason, kind, CAST(payload AS TEXT) AS payload FROM quarantine"))
            #expect(!"\(row)".contains(key), "\(row)")
            #expect(row["kind"] == "redacted")
        }
    }
}
