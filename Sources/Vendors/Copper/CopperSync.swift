import Foundation
import GRDB
import Ingestion
import JSON
import Logging
import Reconciliation
import Warehouse

/// Reads Copper's companies into `crm_companies` (raw kept verbatim) and links purchases.
///
/// Incremental from the last `date_modified` seen (minus an overlap). Pages are read by keyset:
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
            try await database.write { db in _ = try IngestWriter.record(db, entry: entry, documents: []) }
        }
        // What was committed, also when a later page failed.
        report.outcome.documents = sync.companies
        report.outcome.documentsChanged = sync.changed
        report.windows = sync.pages
        report.statistics = statistics
        return report
    }

    /// `report` holds what was committed so far, also when a page fails.
    func sync(runID: Int64, full: Bool, statistics: inout FetchStatistics, report: inout Report) async throws {
        let definitions = try await client.customFieldDefinitions(statistics: &statistics)
        let wanted = client.settings.customerNumberField
        guard let field = definitions.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else {
            throw CopperError.settings("Copper has no company custom field named \"\(wanted)\" (BILLWH_COPPER_CUSTOMER_NUMBER_FIELD); its custom fields are: \(definitions.map(\.name).joined(separator: ", "))")
        }
        let lastSeen = full ? nil : try await database.read { db in try Int64.fetchOne(db, sql: "SELECT max(date_modified) FROM crm_companies") }
        var cursor: Int64? = lastSeen.map { max(0, $0 - client.settings.overlapSeconds) }
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
            let changed = try await database.write { db in try Self.store(db, entry: entry, companies: companies, field: field.id) }
            report.companies += companies.count
            report.changed += changed
            progress?("copper/companies: page \(report.pages), \(report.companies) companies")
            if companies.count < pageSize { break }
            // The page is sorted, so its end is the latest date read; the lower of the last two,
            // because a company edited while the page was served shows a later date than its
            // place, and must not carry the cursor past the companies still to come.
            let latest = companies.suffix(2).compactMap(\.company?.dateModified).min()
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
        try await database.write { db in try CRMLinks.linkAll(db) }
        logger.info("copper/companies: \(report.companies) companies read (\(report.changed) new or changed) in \(report.pages) pages, \(report.searches) searches")
    }

    static func window(from cursor: Int64?) -> DateWindow {
        let start = cursor.map { CalendarDate(unixSeconds: $0) } ?? CalendarDate(year: 1970, month: 1, day: 1)!
        let today = CalendarDate.today()
        return DateWindow(start: min(start, today), end: today)!
    }

    /// One page in one transaction: the ledger row, raw versions, companies and their numbers.
    static func store(_ db: Database, entry: LedgerEntry, companies: [(raw: [UInt8], company: CopperCompany?)], field: Int64) throws -> Int {
        let ingestID = try IngestWriter.record(db, entry: entry, documents: []).ingestID
        let now = Timestamp.now()
        var changed = 0
        var unreadable = 0
        for (raw, company) in companies {
            guard let company else {
                unreadable += 1
                try IngestWriter.quarantine(db, vendor: .copper, endpoint: endpoint, key: nil, reason: "company without a numeric id or date_modified",
                                            raw: raw, ingestID: ingestID, now: now)
                continue
            }
            let rawID = try IngestWriter.storeRaw(db, vendor: .copper, endpoint: endpoint, key: String(company.id),
                                                  date: CalendarDate(unixSeconds: company.dateModified), raw: raw, ingestID: ingestID, now: now)
            let current = try Int64.fetchOne(db, sql: "SELECT raw_id FROM crm_companies WHERE company_id = ?", arguments: [company.id])
            if current == rawID { continue }
            changed += 1
            let numbersText = company.value(of: field)
            let tags = "[" + company.tags.map(JSONString.quoted).joined(separator: ",") + "]"
            try db.execute(sql: """
                INSERT INTO crm_companies (company_id, name, assignee_id, email_domain, tags, customer_numbers, date_modified, raw_id, synced_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (company_id) DO UPDATE SET name = excluded.name, assignee_id = excluded.assignee_id,
                    email_domain = excluded.email_domain, tags = excluded.tags, customer_numbers = excluded.customer_numbers,
                    date_modified = excluded.date_modified, raw_id = excluded.raw_id, synced_at = excluded.synced_at
                """, arguments: [company.id, company.name, company.assigneeID, company.emailDomain, tags, numbersText,
                                 company.dateModified, rawID, now])
            try db.execute(sql: "DELETE FROM crm_customer_numbers WHERE company_id = ?", arguments: [company.id])
            for number in Self.customerNumbers(numbersText) {
                try db.execute(sql: "INSERT OR IGNORE INTO crm_customer_numbers (customer_number, company_id) VALUES (?, ?)",
                               arguments: [number, company.id])
            }
        }
        var outcome = WindowOutcome()
        (outcome.documents, outcome.documentsChanged, outcome.quarantined) = (companies.count - unreadable, changed, unreadable)
        try IngestWriter.finish(db, ingestID: ingestID, outcome: outcome)
        return changed
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
