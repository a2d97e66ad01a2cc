import Foundation
import GRDB
import Ingestion
import JSON
import Logging
import Reconciliation
import Warehouse

/// Reads Copper's companies into `crm_companies` (raw kept verbatim) and links purchases.
///
/// Incremental from the last `date_modified` seen (minus an overlap), except for a full read
/// (`FullRead`): a week after the last one, or when the customer-number field changed. Only a
/// full read sees a company deleted in Copper (absent from it), and only it reads every company
/// with a changed field. Pages are read by keyset:
/// each search is sorted by `date_modified` ascending and the next page is a new search from the
/// page's last modification date (inclusive; companies read twice are simply upserted again). Paging by `page_number` instead would skip a company whenever one read earlier is
/// edited during the sync (it moves to the end and the rest shift back by one), and no later
/// incremental sync would read the skipped one. Only companies sharing one modification date
/// over a whole page are paged by number.
package struct CopperSync: Sendable {
    package static let endpoint = Endpoint(name: "companies", path: "/companies/search", version: "v1", direction: .crossCheck)

    package let database: DatabaseQueue
    package let client: CopperClient
    package let logger: Logger
    package var progress: (@Sendable (String) -> Void)?

    package init(database: DatabaseQueue, client: CopperClient, logger: Logger) {
        self.database = database
        self.client = client
        self.logger = logger
    }

    package struct Report: Sendable {
        package var companies = 0
        package var changed = 0
        package var quarantined = 0
        package var pages = 0
        package var searches = 0
        package var statistics = FetchStatistics()
    }

    package func run(runID: Int64, full: Bool = false) async throws -> EndpointReport {
        var report = EndpointReport(vendor: .copper, endpoint: Self.endpoint)
        var statistics = FetchStatistics()
        let startedAt = Timestamp.now()
        var sync = Report()
        do {
            try await self.sync(runID: runID, full: full, statistics: &statistics, report: &sync)
        } catch {
            let message = "copper/companies: \(error)"
            report.failure = message
            logger.error("\(message)")
            let entry = LedgerEntry(runID: runID, vendor: .copper, endpoint: Self.endpoint, window: Self.window(from: nil),
                                    startedAt: startedAt, statistics: statistics, status: "failed", error: "\(error)")
            let unreadable = error as? CopperClient.UnreadablePage
            let request = client.request("GET", "/")
            try await database.write { db in
                let ingestID = try IngestWriter.record(db, entry: entry, documents: []).ingestID
                if let unreadable {
                    // It came whole: not transient, so its bytes are kept for someone to look at.
                    try IngestWriter.quarantine(db, vendor: .copper, endpoint: Self.endpoint, key: nil, reason: unreadable.reason,
                                                raw: request.redacting(unreadable.body), ingestID: ingestID, now: Timestamp.now())
                }
            }
            if unreadable != nil { sync.quarantined += 1 }
        }
        // What was committed, also when a later page failed.
        report.outcome.documents = sync.companies
        report.outcome.documentsChanged = sync.changed
        report.outcome.quarantined = sync.quarantined
        report.windows = sync.pages
        report.statistics = statistics
        return report
    }

    /// `report` holds what was committed so far, also when a page fails.
    func sync(runID: Int64, full: Bool, statistics: inout FetchStatistics, report: inout Report) async throws {
        let definitions = try await client.customFieldDefinitions(statistics: &statistics)
        let wanted = client.settings.customerNumberField
        let field = try definitions.requiredCompanyField(named: wanted, setting: "BILLWH_COPPER_CUSTOMER_NUMBER_FIELD")
        let (lastSeen, fullRead) = try await database.read { db in
            // Never past now: a company stored with a date ahead (before such dates were refused)
            // would hold every later search past the changes.
            let lastSeen = try Int64.fetchOne(db, sql: "SELECT min(max(date_modified), CAST(strftime('%s', 'now') AS INTEGER)) FROM crm_companies")
            return (lastSeen, try FullRead.reason(db, field: field, asked: full, firstSync: lastSeen == nil, now: Date()))
        }
        if let fullRead { logger.info("copper/companies: reading every company (\(fullRead))") }
        var cursor: Int64? = fullRead != nil ? nil : lastSeen.map { max(0, $0 - client.settings.overlapSeconds) }
        var seen = Set<Int64>()
        /// Companies of a full read without a readable id: any of them may be one stored, so
        /// such a read cannot tell which stored companies are gone.
        var unidentified = 0
        let pageSize = client.settings.pageSize
        let pagesPerSearch = max(1, client.settings.maxRecordsPerSearch / pageSize)
        var page = 1
        report.searches = 1
        while true {
            var pageStatistics = FetchStatistics()
            let startedAt = Timestamp.now()
            // The page's attempts count for the sync also when it gives up on them.
            defer {
                statistics.requests += pageStatistics.requests
                statistics.retries += pageStatistics.retries
            }
            let companies = try await client.searchPage(minimumModified: cursor, page: page, statistics: &pageStatistics)
            report.pages += 1
            let entry = LedgerEntry(runID: runID, vendor: .copper, endpoint: Self.endpoint, window: Self.window(from: cursor),
                                    startedAt: startedAt, statistics: pageStatistics, status: "ok")
            let stored = try await database.write { db in
                try Self.store(db, entry: entry, companies: companies, field: field.id, renumber: fullRead != nil)
            }
            if fullRead != nil {
                seen.formUnion(companies.compactMap(\.id))
                unidentified += companies.count { $0.id == nil }
            }
            report.companies += companies.count - stored.quarantined
            report.changed += stored.changed
            report.quarantined += stored.quarantined
            progress?("copper/companies: page \(report.pages), \(report.companies) companies")
            if companies.count < pageSize { break }
            // The page is sorted, so its end is the latest date read; the lower of the last two,
            // because a company edited while the page was served shows a later date than its
            // place, and must not carry the cursor past the companies still to come.
            let latest = companies.suffix(2).compactMap { try? $0.company.get().dateModified }.min()
            if let latest, latest != cursor {
                // The next page is a new search from the latest date read.
                cursor = latest
                page = 1
                report.searches += 1
            } else {
                // A whole page modified at the cursor's second: page through them by number.
                page += 1
                guard page <= pagesPerSearch else {
                    throw CopperError.settings("copper/companies: more than \(client.settings.maxRecordsPerSearch) companies share one modification time; cannot page past them")
                }
            }
        }
        if fullRead != nil, unidentified > 0 {
            logger.warning("copper/companies: \(unidentified) companies of this full read have no readable id (quarantined), so it removes no company: any stored one could be among them. The next sync reads every company again")
        } else if fullRead != nil, seen.isEmpty, let stored = try await database.read({ try Int.fetchOne($0, sql: "SELECT count(*) FROM crm_companies") }), stored > 0 {
            // More likely a key whose user sees no company than an account emptied overnight.
            throw CopperError.settings("copper/companies: a full read found no company at all, while \(stored) are stored: none is removed and no purchase unlinked. "
                                       + "The key's user may see no company (BILLWH_COPPER_USER_EMAIL should be an admin's); if every company really was deleted in Copper, "
                                       + "remove them by hand: billwh query --write \"DELETE FROM crm_customer_numbers; DELETE FROM crm_companies\"")
        } else if fullRead != nil {
            let found = seen
            let removed = try await database.write { db in try FullRead.finish(db, seen: found, field: field, now: Date()) }
            if !removed.isEmpty {
                // A key whose user cannot see them (team permissions) looks the same: say so.
                logger.warning("copper/companies: \(removed.count) companies are no longer in Copper's search and were removed with their customer numbers (their purchases in open months are unlinked): \(removed.prefix(20).map(String.init).joined(separator: ", "))\(removed.count > 20 ? ", …" : ""). If they were not deleted in Copper, the key's user may not see them: BILLWH_COPPER_USER_EMAIL should be an admin's; the next full read, within a week, brings them back.")
            }
        }
        try await database.write { db in
            // A whole search answer quarantined before is behind us once a sync completes.
            try IngestWriter.resolveQuarantine(db, vendor: .copper, endpoint: Self.endpoint, key: nil, now: Timestamp.now())
            try CRMLinks.linkAll(db)
        }
        logger.info("copper/companies: \(report.companies) companies read (\(report.changed) new or changed\(report.quarantined > 0 ? ", \(report.quarantined) quarantined" : "")) in \(report.pages) pages, \(report.searches) searches")
    }

    static func window(from cursor: Int64?) -> DateWindow {
        let start = cursor.map { CalendarDate(unixSeconds: $0) } ?? CalendarDate(year: 1970, month: 1, day: 1)!
        let today = CalendarDate.today()
        return DateWindow(start: min(start, today), end: today)!
    }

    /// One page in one transaction: the ledger row, raw versions, companies and their numbers.
    /// `renumber`: the numbers of companies already current are read again too (a full read,
    /// which may follow a change of the customer-number field).
    static func store(_ db: Database, entry: LedgerEntry, companies: [CopperSearchItem], field: Int64,
                      renumber: Bool = false) throws -> (changed: Int, quarantined: Int) {
        let ingestID = try IngestWriter.record(db, entry: entry, documents: []).ingestID
        let now = Timestamp.now()
        var changed = 0
        var unreadable = 0
        // A company read now resolves its earlier quarantine sightings.
        let quarantined = try IngestWriter.quarantinedKeys(db, vendor: .copper, endpoint: endpoint)
        for item in companies {
            let company: CopperCompany
            switch item.company {
            case .success(let read): company = read
            case .failure(let rejection):
                unreadable += 1
                try IngestWriter.quarantine(db, vendor: .copper, endpoint: endpoint, key: item.id.map(String.init), reason: rejection.reason,
                                            raw: item.raw, ingestID: ingestID, now: now)
                continue
            }
            if let kind = company.unreadableFields[field] {
                unreadable += 1
                try IngestWriter.quarantine(db, vendor: .copper, endpoint: endpoint, key: String(company.id),
                                            reason: Self.unreadableNumberReason(kind: kind), raw: item.raw, ingestID: ingestID, now: now)
                continue
            }
            let raw = item.raw
            if quarantined.contains(String(company.id)) {
                try IngestWriter.resolveQuarantine(db, vendor: .copper, endpoint: endpoint, key: String(company.id), now: now)
            }
            let rawID = try IngestWriter.storeRaw(db, vendor: .copper, endpoint: endpoint, key: String(company.id),
                                                  date: CalendarDate(unixSeconds: company.dateModified), raw: raw, ingestID: ingestID, now: now)
            let current = try Row.fetchOne(db, sql: "SELECT raw_id, customer_numbers FROM crm_companies WHERE company_id = ?",
                                           arguments: [company.id])
            let numbersText = company.value(of: field)
            if let current, current["raw_id"] as Int64 == rawID {
                // Unchanged bytes, read with what may be another field (a full read).
                if renumber, current["customer_numbers"] as String? != numbersText {
                    try db.execute(sql: "UPDATE crm_companies SET customer_numbers = ? WHERE company_id = ?", arguments: [numbersText, company.id])
                    try setNumbers(db, id: company.id, numbersText: numbersText)
                }
                continue
            }
            changed += 1
            let tags = "[" + company.tags.map(JSONString.quoted).joined(separator: ",") + "]"
            try db.execute(sql: """
                INSERT INTO crm_companies (company_id, name, assignee_id, email_domain, tags, customer_numbers, date_modified, raw_id, synced_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (company_id) DO UPDATE SET name = excluded.name, assignee_id = excluded.assignee_id,
                    email_domain = excluded.email_domain, tags = excluded.tags, customer_numbers = excluded.customer_numbers,
                    date_modified = excluded.date_modified, raw_id = excluded.raw_id, synced_at = excluded.synced_at
                """, arguments: [company.id, company.name, company.assigneeID, company.emailDomain, tags, numbersText,
                                 company.dateModified, rawID, now])
            try setNumbers(db, id: company.id, numbersText: numbersText)
        }
        var outcome = WindowOutcome()
        (outcome.documents, outcome.documentsChanged, outcome.quarantined) = (companies.count - unreadable, changed, unreadable)
        try IngestWriter.finish(db, ingestID: ingestID, outcome: outcome)
        return (changed, unreadable)
    }

    static func unreadableNumberReason(kind: String) -> String {
        "custom_fields: the customer-number field's value is \(kind == "array" || kind == "object" ? "an \(kind)" : "a \(kind)"), "
            + "not text, a number or null — its type changed in Copper? The company's earlier version stays current"
    }

    static func setNumbers(_ db: Database, id: Int64, numbersText: String?) throws {
        try db.execute(sql: "DELETE FROM crm_customer_numbers WHERE company_id = ?", arguments: [id])
        for number in Self.customerNumbers(numbersText) {
            try db.execute(sql: "INSERT OR IGNORE INTO crm_customer_numbers (customer_number, company_id) VALUES (?, ?)",
                           arguments: [number, id])
        }
    }

    /// "000417, 10577" → ["000417", "10577"]: comma separated, trimmed, leading zeros kept.
    static func customerNumbers(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension CalendarDate {
    init(unixSeconds: Int64) {
        let days = Int(unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400)
        self = CalendarDate(year: 1970, month: 1, day: 1)!.adding(days: days)
    }
}
