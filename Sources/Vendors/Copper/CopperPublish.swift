import Foundation
import GRDB
import Ingestion
import JSON
import Logging
import Warehouse

/// `billwh publish copper --month`: each linked company's billed total and margin for the month,
/// written back to Copper as custom fields (partial `PUT`) and/or an activity note.
///
/// Billed is the month's `sum(sell)`, margin `sum(sell) − sum(cost)` over all its purchases
/// (unbilled cost lowers it: that is the real margin). A write whose payload equals the last
/// successful one for that company and kind (and, for a note, that month) is skipped, so
/// applying twice changes nothing; every write is recorded in `crm_publications`. A note is posted at most once: one
/// whose attempt may have reached Copper (a 5xx or a timeout) is not retried, and not sent
/// again by a later run unless asked (`UncertainNotes`). After a write gives up (Copper
/// unreachable for the retry budget), the run stops instead of waiting that out per company.
package struct CopperPublisher: Sendable {
    /// What to do with notes whose last attempt may have reached Copper.
    package enum UncertainNotes: Sendable {
        /// Leave them, shown as uncertain: someone has to look in Copper.
        case hold
        /// They are not in Copper: post them again.
        case resend
        /// They are in Copper: record them as posted, send nothing.
        case confirm
    }

    /// The error text of a note recorded as posted on the user's word (`UncertainNotes.confirm`).
    static let confirmed = "confirmed in Copper by the user (--confirm-uncertain)"

    package struct Write: Sendable {
        package var kind: String
        package var method: String
        package var path: String
        package var body: String
        /// Same payload as the last successful write: nothing to do.
        package var unchanged: Bool
        /// The last attempt of this payload may have reached Copper (FetchError.outcomeUnknown),
        /// and it is not sent again.
        package var uncertain = false
        package var status: Int?
        package var error: String?
    }

    package struct Item: Sendable {
        package var companyID: Int64
        package var name: String
        package var currency: String
        package var lines: Int
        package var billed: Money
        package var margin: Money
        package var writes: [Write]
        /// Why nothing is written for this company (e.g. several currencies).
        package var skipped: String?
    }

    package let database: DatabaseQueue
    package let client: CopperClient
    package let logger: Logger

    package init(database: DatabaseQueue, client: CopperClient, logger: Logger) {
        self.database = database
        self.client = client
        self.logger = logger
    }

    package func run(month: String, apply: Bool, runID: Int64?, uncertainNotes: UncertainNotes = .hold) async throws -> [Item] {
        let settings = client.settings
        var statistics = FetchStatistics()
        var fields: [(definition: CopperCustomFieldDefinition, value: (Money, Money) -> Money)] = []
        if settings.billedField != nil || settings.marginField != nil {
            let definitions = try await client.customFieldDefinitions(statistics: &statistics)
            for (name, setting, value) in [(settings.billedField, "BILLWH_COPPER_PUBLISH_BILLED_FIELD", { (billed: Money, _: Money) in billed }),
                                           (settings.marginField, "BILLWH_COPPER_PUBLISH_MARGIN_FIELD", { (_: Money, margin: Money) in margin })] {
                guard let name else { continue }
                fields.append((try definitions.requiredCompanyField(named: name, setting: setting), value))
            }
        }
        var items = try await database.read { db in try Self.figures(db, month: month) }
        for index in items.indices where items[index].skipped == nil {
            var item = items[index]
            if !fields.isEmpty {
                let entries = fields.map { field -> String in
                    let amount = field.value(item.billed, item.margin).formatted()
                    let numeric = ["float", "currency", "number", "percentage"].contains((field.definition.dataType ?? "").lowercased())
                    return "{\"custom_field_definition_id\":\(field.definition.id),\"value\":\(numeric ? amount : JSONString.quoted(amount))}"
                }
                item.writes.append(Write(kind: "custom_fields", method: "PUT", path: "/companies/\(item.companyID)",
                                         body: "{\"custom_fields\":[\(entries.joined(separator: ","))]}", unchanged: false))
            }
            if settings.publishNote {
                let details = "billwh \(month): billed \(item.billed.formatted()) \(item.currency), margin \(item.margin.formatted()) \(item.currency) (\(item.lines) purchase lines)"
                item.writes.append(Write(kind: "activity", method: "POST", path: "/activities",
                                         body: "{\"parent\":{\"type\":\"company\",\"id\":\(item.companyID)},\"type\":{\"category\":\"user\",\"id\":\(settings.noteActivityTypeID)},\"details\":\(JSONString.quoted(details))}",
                                         unchanged: false))
            }
            let companyID = item.companyID
            for w in item.writes.indices {
                let write = item.writes[w]
                let hash = sha256Hex(Array(write.body.utf8))
                // A custom field holds one value whatever the month: it is unchanged only when
                // the company's last successful write of it, for any month, sent the same. A
                // note belongs to its month.
                let anyMonth = write.kind == "custom_fields"
                let (lastSuccess, lastAttempt) = try await database.read { db in
                    (try String.fetchOne(db, sql: """
                        SELECT payload_sha256 FROM crm_publications
                        WHERE (month = ? OR ?) AND company_id = ? AND kind = ? AND (http_status BETWEEN 200 AND 299 OR error = ?)
                        ORDER BY publication_id DESC LIMIT 1
                        """, arguments: [month, anyMonth, companyID, write.kind, Self.confirmed]),
                     try Row.fetchOne(db, sql: """
                        SELECT payload_sha256, error FROM crm_publications WHERE month = ? AND company_id = ? AND kind = ?
                        ORDER BY publication_id DESC LIMIT 1
                        """, arguments: [month, companyID, write.kind]))
                }
                item.writes[w].unchanged = lastSuccess == hash
                let lastError: String? = lastAttempt?["error"]
                item.writes[w].uncertain = !item.writes[w].unchanged && uncertainNotes != .resend && lastAttempt?["payload_sha256"] == hash
                    && lastError?.hasPrefix(FetchError.outcomeUnknownPrefix) == true
            }
            items[index] = item
        }
        guard apply else { return items }
        var unreachable: String?
        for index in items.indices {
            for w in items[index].writes.indices where !items[index].writes[w].unchanged {
                let write = items[index].writes[w]
                if write.uncertain {
                    guard uncertainNotes == .confirm else { continue }
                    items[index].writes[w].uncertain = false
                    items[index].writes[w].unchanged = true
                    try await record(month: month, companyID: items[index].companyID, items[index].writes[w], error: Self.confirmed, runID: runID)
                    continue
                }
                if let unreachable {
                    items[index].writes[w].error = "not sent: \(unreachable)"
                    continue
                }
                // A note posted twice is two notes: its attempt is on record before it is sent, so
                // that a process killed while Copper answers leaves it uncertain, not unsent.
                let attempt = write.method == "POST"
                    ? try await record(month: month, companyID: items[index].companyID, write,
                                       error: "\(FetchError.outcomeUnknownPrefix): billwh ended while the note was being sent", runID: runID)
                    : nil
                do {
                    // A PUT of the same fields is the same company.
                    _ = try await client.send(write.method, write.path, body: Array(write.body.utf8), repeatable: write.method != "POST",
                                              statistics: &statistics)
                    items[index].writes[w].status = 200
                } catch {
                    switch error as? FetchError {
                    case .gaveUp?:
                        unreachable = "an earlier write gave up (\(error)); run again once Copper answers"
                    case .notAuthorized?:
                        // Credentials refused once are refused for every company.
                        unreachable = "Copper refused the credentials on an earlier write (\(error)); run again once they are fixed"
                    default: break
                    }
                    items[index].writes[w].error = "\(error)"
                    if case FetchError.rejected(let status, _)? = error as? FetchError { items[index].writes[w].status = status }
                    logger.error("copper publish \(write.method) \(write.path): \(error)")
                }
                if let attempt {
                    let outcome = items[index].writes[w]
                    try await database.write { db in
                        try db.execute(sql: "UPDATE crm_publications SET http_status = ?, error = ?, written_at = ? WHERE publication_id = ?",
                                       arguments: [outcome.status, outcome.error, Timestamp.now(), attempt])
                    }
                } else {
                    try await record(month: month, companyID: items[index].companyID, items[index].writes[w],
                                     error: items[index].writes[w].error, runID: runID)
                }
            }
        }
        return items
    }

    /// Adds a row to the publication ledger; its id.
    @discardableResult
    func record(month: String, companyID: Int64, _ write: Write, error: String?, runID: Int64?) async throws -> Int64 {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO crm_publications (month, company_id, kind, payload, payload_sha256, http_status, error, written_at, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [month, companyID, write.kind, write.body, sha256Hex(Array(write.body.utf8)), write.status,
                                 error, Timestamp.now(), runID])
            return db.lastInsertedRowID
        }
    }

    static func figures(_ db: Database, month: String) throws -> [Item] {
        // One item per company and currency: a company billed in two currencies shows both
        // figures, and neither is written (a custom field holds one amount, never a mixed sum).
        let rows = try Row.fetchAll(db, sql: """
            WITH p AS (SELECT * FROM purchases WHERE substr(invoice_date, 1, 7) = ? AND crm_company_id IS NOT NULL)
            SELECT crm_company_id, max(crm_company_name) AS name, currency,
                   (SELECT group_concat(DISTINCT x.currency) FROM p x WHERE x.crm_company_id = p.crm_company_id) AS currencies,
                   (SELECT count(DISTINCT x.currency) FROM p x WHERE x.crm_company_id = p.crm_company_id) AS currency_count,
                   count(*) AS lines, coalesce(sum(sell_micros), 0) AS sell, coalesce(sum(cost_micros), 0) AS cost
            FROM p
            GROUP BY crm_company_id, currency ORDER BY CAST(crm_company_id AS INTEGER), currency
            """, arguments: [month])
        return rows.map { row in
            let sell: Int64 = row["sell"], cost: Int64 = row["cost"]
            let currencies: String = row["currencies"] ?? ""
            let several = (row["currency_count"] as Int) > 1
            return Item(companyID: Int64(row["crm_company_id"] as String) ?? 0, name: row["name"] ?? "",
                        currency: row["currency"], lines: row["lines"], billed: Money(micros: sell), margin: Money(micros: sell - cost),
                        writes: [], skipped: several ? "several currencies (\(currencies)): not summed, not written" : nil)
        }
    }

    package static func render(_ items: [Item], apply: Bool) -> String {
        if items.isEmpty { return "no purchases linked to a Copper company in that month (run a nightly with Copper configured)\n" }
        let rows = items.map { item -> [String] in
            let writes = item.skipped ?? item.writes.map { w in
                let state = w.unchanged ? "unchanged"
                    : w.uncertain ? "uncertain, not sent again (an earlier attempt may have reached Copper: check the company, then --resend-uncertain or --confirm-uncertain)"
                    : apply ? (w.error == nil ? "written" : "FAILED") : "would write"
                return "\(w.kind): \(state)"
            }.joined(separator: ", ")
            return [String(item.companyID), String(item.name.prefix(40)), item.currency, String(item.lines),
                    item.billed.formatted(), item.margin.formatted(), writes]
        }
        var out = TextTable.render(header: ["company", "name", "currency", "lines", "billed", "margin", apply ? "result" : "dry run"],
                                   rows: rows, rightAligned: [3, 4, 5])
        if !apply { out += "  dry run: nothing was written; add --apply to write to Copper\n" }
        return out
    }
}
