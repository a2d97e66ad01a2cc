import GRDB
import Ingestion
import Vendors
import Warehouse

/// `billwh status`: freshness and gaps per vendor and endpoint.
package enum StatusReport {
    package struct EndpointStatus: Sendable {
        package var vendor: String
        package var endpoint: String
        package var lastGoodRun: String?
        package var lastAttempt: String?
        package var lastOutcome: String?
        package var coveredFrom: String?
        package var coveredTo: String?
        package var documents: Int
        package var lines: Int
        package var quarantined: Int
        package var lastError: String?
    }

    package struct VendorMatching: Sendable {
        package var vendor: String
        /// Per status and currency (amounts of different currencies are never added).
        package var byStatus: [(status: String, currency: String, rows: Int, cost: Int64, sell: Int64)]
    }

    package static func endpoints(_ db: Database) throws -> [EndpointStatus] {
        try Row.fetchAll(db, sql: """
            WITH ep AS (SELECT DISTINCT vendor, endpoint FROM ingest_runs)
            SELECT ep.vendor, ep.endpoint,
              -- The last run that read every window of the endpoint: a run whose first chunk
              -- came and whose later one failed did not read it.
              (SELECT max(finished_at) FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint AND r.status IN ('ok','partial')
                 AND NOT EXISTS (SELECT 1 FROM ingest_runs f WHERE f.run_id = r.run_id AND f.vendor = r.vendor AND f.endpoint = r.endpoint
                                 AND f.status NOT IN ('ok','partial'))) AS last_good,
              (SELECT finished_at FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint ORDER BY ingest_id DESC LIMIT 1) AS last_attempt,
              -- The worst of the last run's windows: a run read in chunks is partial when an
              -- earlier chunk was, whatever its last chunk did.
              (SELECT CASE max(CASE r.status WHEN 'failed' THEN 2 WHEN 'partial' THEN 1 ELSE 0 END)
                        WHEN 2 THEN 'failed' WHEN 1 THEN 'partial' ELSE 'ok' END
                 FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint
                  AND r.run_id = (SELECT x.run_id FROM ingest_runs x WHERE x.vendor = ep.vendor AND x.endpoint = ep.endpoint
                                  ORDER BY x.ingest_id DESC LIMIT 1)) AS last_outcome,
              (SELECT error FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint AND r.error IS NOT NULL ORDER BY ingest_id DESC LIMIT 1) AS last_error,
              (SELECT min(window_start) FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint AND r.status IN ('ok','partial')) AS covered_from,
              (SELECT max(window_end) FROM ingest_runs r WHERE r.vendor = ep.vendor AND r.endpoint = ep.endpoint AND r.status IN ('ok','partial')) AS covered_to,
              -- Copper's companies are kept in crm_companies, not as invoice documents.
              CASE WHEN ep.vendor = 'copper' AND ep.endpoint = 'companies' THEN (SELECT count(*) FROM crm_companies)
                   ELSE (SELECT count(*) FROM documents d WHERE d.vendor = ep.vendor AND d.endpoint = ep.endpoint) END AS documents,
              (SELECT count(*) FROM staging_lines s WHERE s.vendor = ep.vendor AND s.endpoint = ep.endpoint) AS lines,
              (SELECT count(*) FROM quarantine q WHERE q.vendor = ep.vendor AND q.endpoint = ep.endpoint AND q.resolved_at IS NULL) AS quarantined
            FROM ep ORDER BY ep.vendor, ep.endpoint
            """).map { row in
            EndpointStatus(vendor: row["vendor"], endpoint: row["endpoint"], lastGoodRun: row["last_good"],
                           lastAttempt: row["last_attempt"], lastOutcome: row["last_outcome"],
                           coveredFrom: row["covered_from"], coveredTo: row["covered_to"],
                           documents: row["documents"], lines: row["lines"], quarantined: row["quarantined"],
                           lastError: row["last_error"])
        }
    }

    /// Coverage gaps: days inside the covered span that no successful window read.
    package static func gaps(_ db: Database, vendor: String, endpoint: String) throws -> [DateWindow] {
        let windows = try Row.fetchAll(db, sql: """
            SELECT window_start, window_end FROM ingest_runs
            WHERE vendor = ? AND endpoint = ? AND status IN ('ok','partial') ORDER BY window_start
            """, arguments: [vendor, endpoint]).compactMap { row -> DateWindow? in
            guard let s = CalendarDate(parsing: row["window_start"] as String), let e = CalendarDate(parsing: row["window_end"] as String) else { return nil }
            return DateWindow(start: s, end: e)
        }
        guard let first = windows.first, let last = windows.map(\.end).max(),
              let covered = DateWindow(start: first.start, end: last) else { return [] }
        return DocumentGaps.unread(covered, by: windows)
    }

    package static func matching(_ db: Database) throws -> [VendorMatching] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT vendor, match_status, currency, count(*) AS n, coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(sell_micros), 0) AS sell
            FROM purchases GROUP BY vendor, match_status, currency ORDER BY vendor, match_status, currency
            """)
        var result: [VendorMatching] = []
        for row in rows {
            let vendor: String = row["vendor"]
            let entry = (status: row["match_status"] as String, currency: row["currency"] as String, rows: row["n"] as Int,
                         cost: row["cost"] as Int64, sell: row["sell"] as Int64)
            if result.last?.vendor == vendor { result[result.count - 1].byStatus.append(entry) } else {
                result.append(VendorMatching(vendor: vendor, byStatus: [entry]))
            }
        }
        return result
    }

    package struct UnmappedCustomer: Sendable, Equatable {
        package var customerNumber: String
        package var name: String
        package var vendors: String
        package var purchases: Int
        package var currency: String
        package var sell: Int64
    }

    /// Customer numbers on purchases that no Copper company claims (their revenue is invisible
    /// in the CRM), largest revenue first; one entry per currency the customer is billed in.
    package static func unmappedCustomers(_ db: Database) throws -> [UnmappedCustomer] {
        try Row.fetchAll(db, sql: """
            SELECT customer_number, currency, max(customer_name) AS name, group_concat(DISTINCT vendor) AS vendors, count(*) AS n,
                   coalesce(sum(sell_micros), 0) AS sell
            FROM purchases
            WHERE customer_number IS NOT NULL AND customer_number NOT IN (SELECT customer_number FROM crm_customer_numbers)
            GROUP BY customer_number, currency ORDER BY sell DESC, customer_number, currency
            """).map { UnmappedCustomer(customerNumber: $0["customer_number"], name: $0["name"] ?? "", vendors: $0["vendors"] ?? "",
                                        purchases: $0["n"], currency: $0["currency"], sell: $0["sell"]) }
    }

    /// Customer numbers claimed by more than one company: linked to neither until fixed.
    package static func duplicateClaims(_ db: Database) throws -> [(customerNumber: String, companies: String)] {
        try Row.fetchAll(db, sql: """
            SELECT n.customer_number, group_concat(c.company_id || ' ' || coalesce(c.name, ''), '; ') AS companies
            FROM crm_customer_numbers n JOIN crm_companies c USING (company_id)
            GROUP BY n.customer_number HAVING count(*) > 1 ORDER BY n.customer_number
            """).map { ($0["customer_number"], $0["companies"]) }
    }

    static func crm(_ db: Database) throws -> String {
        let companies = try Int.fetchOne(db, sql: "SELECT count(*) FROM crm_companies") ?? 0
        guard companies > 0 else { return "" }
        var out = "\nCRM (Copper)\n"
        let linked = try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases WHERE crm_company_id IS NOT NULL") ?? 0
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases") ?? 0
        out += "  \(companies) companies synced; \(linked) of \(total) purchases linked to a company\n"
        let unmapped = try unmappedCustomers(db)
        if unmapped.isEmpty {
            out += "  every customer number on the invoices is claimed by a company\n"
        } else {
            out += "  \(unmapped.count) customer numbers on invoices that no company claims (their revenue is missing from the CRM):\n"
            out += TextTable.render(header: ["customer", "name", "vendors", "purchases", "currency", "sell"],
                                    rows: unmapped.prefix(20).map { [$0.customerNumber, String($0.name.prefix(40)), $0.vendors, String($0.purchases),
                                                                     $0.currency, Money(micros: $0.sell).formatted()] },
                                    rightAligned: [3, 5])
            if unmapped.count > 20 { out += "  … \(unmapped.count - 20) more (query: purchases whose customer_number is not in crm_customer_numbers)\n" }
        }
        let duplicates = try duplicateClaims(db)
        if !duplicates.isEmpty {
            out += "  \(duplicates.count) customer numbers claimed by more than one company (linked to none until fixed in Copper):\n"
            out += TextTable.render(header: ["customer", "companies"], rows: duplicates.map { [$0.customerNumber, $0.companies] })
        }
        return out
    }

    /// The newest run that never finished (stopped or killed), when no run finished after it;
    /// `runInProgress`: the newest run still holds the lock, so it is not one of them.
    package static func interruptedRun(_ db: Database, runInProgress: Bool) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT run_id, command, pid, started_at FROM runs
            WHERE finished_at IS NULL AND run_id > coalesce((SELECT max(run_id) FROM runs WHERE finished_at IS NOT NULL AND command <> '\(HandWrites.command)'), 0)
              AND (? = 0 OR run_id < (SELECT max(run_id) FROM runs))
            ORDER BY run_id DESC LIMIT 1
            """, arguments: [runInProgress]) else { return nil }
        let (id, command, pid, started): (Int64, String, Int64, String) = (row["run_id"], row["command"], row["pid"], row["started_at"])
        return "run \(id) (\(command), pid \(pid), started \(started)) did not finish: it was stopped or killed. What it committed stays; run it again to finish it (a nightly reads only the lookback window: an interrupted backfill needs its own --since again)"
    }

    /// Documents the vendor's latest answer for their dates no longer held (MissingDocuments).
    static func missingDocuments(_ db: Database, shown: Int = 10) throws -> String {
        let missing = try MissingDocuments.all(db)
        guard !missing.isEmpty else { return "" }
        var out = "\nDocuments missing from the vendor's latest answer for their dates (kept and still counted)\n"
        out += TextTable.render(header: ["vendor", "endpoint", "document", "date", "missing since"],
                                rows: missing.prefix(shown).map { [$0.vendor, $0.endpoint, $0.key, $0.date, $0.since] })
        if missing.count > shown {
            out += "  … and \(missing.count - shown) more: `billwh query \"SELECT * FROM missing_documents\"`\n"
        }
        out += "  The vendor withdrew them, or sent them again under another number, which counts them twice: ask the vendor (docs/vendor-changes.md)\n"
        return out
    }

    /// The text `billwh status` prints.
    package static func render(_ db: Database, runInProgress: Bool = false) throws -> String {
        var out = ""
        let endpoints = try endpoints(db)
        if endpoints.isEmpty {
            return "No ingest has run on this warehouse yet: run `billwh nightly` (or `billwh demo` to try the sandbox).\n"
        }
        if let interrupted = try interruptedRun(db, runInProgress: runInProgress) { out += "! \(interrupted)\n\n" }
        out += "Endpoints\n"
        out += TextTable.render(
            header: ["vendor", "endpoint", "last good run", "last outcome", "window covered", "gaps", "documents", "lines", "quarantined"],
            rows: try endpoints.map { e in
                let gaps = try gaps(db, vendor: e.vendor, endpoint: e.endpoint)
                return [e.vendor, e.endpoint, e.lastGoodRun ?? "never", e.lastOutcome ?? "-",
                        e.coveredFrom.map { "\($0)..\(e.coveredTo ?? "")" } ?? "-",
                        // Gaps lie between windows read; with none read, nothing is covered.
                        e.coveredFrom == nil ? "never read" : gaps.isEmpty ? "none" : gaps.map(\.description).joined(separator: ", "),
                        String(e.documents), String(e.lines), String(e.quarantined)]
            })
        for e in endpoints where e.lastOutcome == "failed" {
            out += "  ! \(e.vendor)/\(e.endpoint) last failed: \(e.lastError ?? "see the log")\n"
        }
        out += try missingDocuments(db)
        let matching = try matching(db)
        if !matching.isEmpty {
            out += "\nPurchases\n"
            var rows: [[String]] = []
            for vendor in matching {
                for s in vendor.byStatus {
                    rows.append([vendor.vendor, s.status, s.currency, String(s.rows), Money(micros: s.cost).formatted(), Money(micros: s.sell).formatted()])
                }
            }
            out += TextTable.render(header: ["vendor", "match_status", "currency", "rows", "cost", "sell"], rows: rows, rightAligned: [3, 4, 5])
            let unmatched = matching.flatMap(\.byStatus).filter { $0.status != "matched" }.reduce(0) { $0 + $1.rows }
            out += "  unmatched lines (unbilled, unbacked, mismatched, ambiguous): \(unmatched)\n"
            let mismatched = try Int.fetchOne(db, sql: "SELECT count(*) FROM purchases WHERE match_rule LIKE '%:currency_mismatch'") ?? 0
            if mismatched > 0 {
                out += "  ! \(mismatched) lines have their partner in another currency (never paired): `billwh report exceptions`\n"
            }
        }
        if let check = try ConsolidatedCheck.compare(db) {
            out += "\n2tCloud consolidatedinvoices cross-check (raw only; never used for purchases)\n"
            out += "  \(check.documents) documents, \(check.lines) lines: \(check.disagreeing) lines disagree with the reconciled purchases"
            out += " (\(check.onlyInConsolidated) only in consolidated — duplicated or mis-assigned; \(check.missingFromConsolidated) missing from it — dropped or mis-assigned)\n"
            if check.unreadable > 0 { out += "  \(check.unreadable) consolidated documents could not be read again\n" }
        }
        out += try VendorChangesReport.render(db)
        out += try crm(db)
        let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM reconcile_queue") ?? 0
        if pending > 0 { out += "  \(pending) customers changed since the last reconcile: run `billwh reconcile`\n" }
        return out
    }
}
