import GRDB
import Warehouse

/// `billwh check`: data tests in SQL, in the manner of dbt's — each query returns the rows
/// that break a rule, and an empty result is a pass.
package struct DataCheck: Sendable {
    package var name: String
    package var rule: String
    /// SELECT returning the offending rows.
    package var sql: String
    package var arguments: StatementArguments = []
    /// A reminder (months left open) is reported as a warning; it does not make a run partial.
    package var isReminder = false
}

package struct CheckResult: Sendable {
    package var check: DataCheck
    package var failures: Int
    /// The first offending rows (column names, then values as text).
    package var columns: [String]
    package var sample: [[String]]
    /// How long the check's queries took (progress output of `nightly`).
    package var elapsed: Duration = .zero
    package var passed: Bool { failures == 0 }
    /// It did not pass, and it is no reminder: what makes a run partial and `check` exit 1.
    package var failed: Bool { !passed && !check.isReminder }
    /// A reminder that holds (months left open): reported as a warning, never a failure.
    package var reminds: Bool { !passed && check.isReminder }
}

package enum DataChecks {
    /// Months that may stay open: a month older than this many months must be closed.
    package static let defaultMaxOpenMonths = 3

    package static func all(today: CalendarDate, maxOpenMonths: Int = defaultMaxOpenMonths) -> [DataCheck] {
        let cutoff = cutoffMonth(today: today, maxOpenMonths: maxOpenMonths)
        let open = "substr(invoice_date, 1, 7) NOT IN (SELECT month FROM closed_months)"
        return [
            DataCheck(name: "staging_current_versions_only",
                      rule: "staging holds the lines of each document's current version, and only those",
                      sql: currentVersionsOnly("")),
            DataCheck(name: "staging_unique_line_keys",
                      rule: "a document's line appears once in staging (vendor, endpoint, document, line index)",
                      sql: """
                        SELECT vendor, endpoint, document_key, line_index, count(*) AS copies FROM staging_lines
                        GROUP BY vendor, endpoint, document_key, line_index HAVING count(*) > 1
                        """),
            DataCheck(name: "no_orphan_purchases",
                      rule: "every purchase of an open month refers to staging lines that exist",
                      sql: noOrphanPurchases("\(open) AND ")),
            linesCountedOnce(rule: "no staging line is counted by two purchases of open months") {
                "\(open) AND adjusts_month IS NULL AND \($0) IS NOT NULL"
            },
            DataCheck(name: "cost_and_sell_totals",
                      rule: "per vendor and currency, purchases' cost and VAT equal the incoming lines' and sell the outgoing lines' (closed months' adjustments included)",
                      sql: costAndSellTotals(staging: "staging_lines s", purchases: "purchases p")),
            costSellMarginConsistent("", rows: ""),
            documentTotals("", documents: "each document's lines add up"),
            amountsRead,
            purchasesUpToDate,
            monthsClosedInTime(maxOpenMonths, arguments: [cutoff.description], sql: """
                SELECT substr(invoice_date, 1, 7) AS month, count(*) AS purchases FROM purchases
                WHERE substr(invoice_date, 1, 7) < ? AND \(open)
                GROUP BY month ORDER BY month
                """),
        ]
    }

    /// What one nightly run changed: the staging lines it inserted (`line_id > linesAfter`)
    /// and the purchase rows its reconcile wrote (`purchase_id > purchasesAfter`).
    package struct RunScope: Sendable {
        package var linesAfter: Int64
        package var purchasesAfter: Int64
        /// The reconcile rebuilt customers whole while a month is closed (ReconcileReport.adjusting).
        package var adjusting: Bool
        /// Something else may have broken a rule anywhere: a write by hand since the last
        /// nightly, or a check the last nightly failed (it stays failed until it passes).
        package var recheckAll: Bool
        package init(linesAfter: Int64, purchasesAfter: Int64, adjusting: Bool = false, recheckAll: Bool = false) {
            self.linesAfter = linesAfter
            self.purchasesAfter = purchasesAfter
            self.adjusting = adjusting
            self.recheckAll = recheckAll
        }
    }

    /// The checks `nightly` runs: the same rules as `all`, over what the run changed, so that
    /// the nightly cost follows its window and not the warehouse's history.
    /// When the reconcile rebuilt customers whole while a month is closed, the whole set runs:
    /// adjustment rows net frozen rows across match groups, which the scoped totals cannot see.
    /// (Groups rebuilt on their own have nothing in closed months.) So does a run after a write
    /// by hand, and every run after one whose checks failed. `billwh check` always runs the
    /// whole set.
    package static func nightly(today: CalendarDate, scope: RunScope,
                               maxOpenMonths: Int = defaultMaxOpenMonths) -> [DataCheck] {
        if scope.adjusting || scope.recheckAll {
            return all(today: today, maxOpenMonths: maxOpenMonths)
        }
        let cutoff = cutoffMonth(today: today, maxOpenMonths: maxOpenMonths)
        let lines = scope.linesAfter, rows = scope.purchasesAfter
        // `NOT INDEXED` keeps the run's lines a rowid range: without statistics, SQLite would
        // rather walk a whole index that yields them grouped (a scan of the history).
        let runLines = "staging_lines NOT INDEXED WHERE line_id > \(lines)"
        let changedDocuments = "(vendor, endpoint, document_key) IN (SELECT DISTINCT vendor, endpoint, document_key FROM \(runLines))"
        // The groups of the rows written and of the lines staged: a line whose row went missing
        // still brings its group into the totals.
        let rebuiltGroups = """
            SELECT vendor, customer_key, match_group FROM purchases WHERE purchase_id > \(rows)
            UNION SELECT vendor, customer_key, match_group FROM \(runLines)
            """
        return [
            DataCheck(name: "staging_current_versions_only",
                      rule: "the lines this run staged belong to their document's current version",
                      sql: currentVersionsOnly("s.line_id > \(lines) AND ", staging: "staging_lines s NOT INDEXED")),
            DataCheck(name: "staging_unique_line_keys",
                      rule: "a line of a document this run staged appears once (vendor, endpoint, document, line index)",
                      sql: """
                        SELECT s.vendor, s.endpoint, s.document_key, s.line_index, count(*) AS copies
                        FROM (SELECT DISTINCT vendor, endpoint, document_key FROM \(runLines)) d
                        CROSS JOIN staging_lines s ON s.vendor = d.vendor AND s.endpoint = d.endpoint AND s.document_key = d.document_key
                        GROUP BY s.vendor, s.endpoint, s.document_key, s.line_index HAVING count(*) > 1
                        """),
            DataCheck(name: "lines_of_this_run_counted",
                      rule: "every line this run staged is counted by a purchase",
                      sql: """
                        SELECT s.line_id, s.vendor, s.direction, s.document_key, s.customer_key, s.sku FROM staging_lines s
                        WHERE s.line_id > \(lines) AND NOT EXISTS (SELECT 1 FROM purchases p
                            WHERE (s.direction = 'incoming' AND p.incoming_line_id = s.line_id)
                               OR (s.direction = 'outgoing' AND p.outgoing_line_id = s.line_id))
                        """),
            DataCheck(name: "no_orphan_purchases",
                      rule: "every purchase this run wrote refers to staging lines that exist",
                      sql: noOrphanPurchases("purchase_id > \(rows) AND ")),
            linesCountedOnce(rule: "no line counted by a purchase this run wrote is counted by another") {
                "\($0) IN (SELECT \($0) FROM purchases WHERE purchase_id > \(rows))"
            },
            DataCheck(name: "cost_and_sell_totals",
                      rule: "per vendor and currency, over the match groups this run rebuilt, cost and VAT equal the incoming lines' and sell the outgoing lines'",
                      sql: costAndSellTotals(
                        groups: rebuiltGroups,
                        staging: "(\(MatchGroupIndex.rows(of: "staging_lines", as: "s", inGroups: "g"))) s",
                        purchases: "(\(MatchGroupIndex.rows(of: "purchases", as: "p", inGroups: "g"))) p")),
            costSellMarginConsistent("purchase_id > \(rows) AND ", rows: "the rows this run wrote: "),
            documentTotals("\(changedDocuments) AND ", documents: "each document this run staged adds up"),
            amountsRead,
            purchasesUpToDate,
            // One index probe per month instead of counting every old row.
            monthsClosedInTime(maxOpenMonths, arguments: [cutoff.firstDay], sql: """
                WITH RECURSIVE m(month) AS (
                    SELECT substr(min(invoice_date), 1, 7) FROM purchases WHERE invoice_date < ?1
                    UNION ALL
                    SELECT strftime('%Y-%m', month || '-01', '+1 month') FROM m WHERE month < substr(?1, 1, 7))
                SELECT month FROM m
                WHERE month || '-01' < ?1 AND month NOT IN (SELECT month FROM closed_months)
                  AND EXISTS (SELECT 1 FROM purchases WHERE invoice_date >= month || '-01'
                              AND invoice_date < strftime('%Y-%m-%d', month || '-01', '+1 month'))
                """),
        ]
    }

    // The rules both sets share, with the predicate that scopes them ("" for the whole warehouse).

    static func currentVersionsOnly(_ scope: String, staging: String = "staging_lines s") -> String {
        """
        SELECT s.vendor, s.endpoint, s.document_key, s.raw_id, d.current_raw_id, count(*) AS lines
        FROM \(staging) LEFT JOIN documents d USING (vendor, endpoint, document_key)
        WHERE \(scope)d.current_raw_id IS NOT s.raw_id
        GROUP BY s.vendor, s.endpoint, s.document_key, s.raw_id
        """
    }

    static func noOrphanPurchases(_ scope: String) -> String {
        """
        SELECT purchase_id, vendor, invoice_id, invoice_date, customer_number, sku, incoming_line_id, outgoing_line_id
        FROM purchases p
        WHERE \(scope)adjusts_month IS NULL
          AND ((incoming_line_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staging_lines s WHERE s.line_id = p.incoming_line_id))
            OR (outgoing_line_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staging_lines s WHERE s.line_id = p.outgoing_line_id))
            OR (incoming_line_id IS NULL AND outgoing_line_id IS NULL))
        """
    }

    /// Lines that more than one purchase counts, among the purchases `rows(column)` selects,
    /// `column` being either side's line id.
    static func linesCountedOnce(rule: String, rows: (String) -> String) -> DataCheck {
        DataCheck(name: "lines_counted_once", rule: rule, sql: """
            SELECT 'incoming' AS side, incoming_line_id AS line_id, count(*) AS rows FROM purchases
            WHERE \(rows("incoming_line_id")) GROUP BY incoming_line_id HAVING count(*) > 1
            UNION ALL
            SELECT 'outgoing', outgoing_line_id, count(*) FROM purchases
            WHERE \(rows("outgoing_line_id")) GROUP BY outgoing_line_id HAVING count(*) > 1
            """)
    }

    /// The reminder that old months get closed, with the query that finds the open ones.
    static func monthsClosedInTime(_ maxOpenMonths: Int, arguments: StatementArguments, sql: String) -> DataCheck {
        DataCheck(name: "months_closed_in_time", rule: "no month older than \(maxOpenMonths) months is left open (`billwh close --month`)",
                  sql: sql, arguments: arguments, isReminder: true)
    }

    static func costSellMarginConsistent(_ scope: String, rows: String) -> DataCheck {
        DataCheck(name: "cost_sell_margin_consistent",
                  rule: "\(rows)matched rows have cost and sell with margin = sell - cost; unbilled rows have no sell; unbacked rows no cost",
                  sql: """
            SELECT purchase_id, vendor, invoice_id, sku, match_status, cost_micros, sell_micros, margin_micros FROM purchases
            WHERE \(scope)adjusts_month IS NULL AND (
                  (match_status IN ('matched', 'quantity_mismatch')
                    AND (cost_micros IS NULL OR sell_micros IS NULL OR margin_micros IS NOT sell_micros - cost_micros))
               OR (match_status = 'unbilled' AND (cost_micros IS NULL OR sell_micros IS NOT NULL))
               OR (match_status = 'unbacked' AND (sell_micros IS NULL OR cost_micros IS NOT NULL))
               OR (match_status = 'ambiguous' AND (cost_micros IS NULL) = (sell_micros IS NULL)))
            """)
    }

    static func documentTotals(_ scope: String, documents: String) -> DataCheck {
        DataCheck(name: "document_totals",
                  rule: "\(documents) to the total the vendor states in its Totals, to the cent",
                  sql: """
            SELECT d.vendor, d.endpoint, d.document_key, d.document_date, d.stated_total_micros,
                   coalesce((SELECT sum(amount_micros) FROM staging_lines s
                             WHERE s.vendor = d.vendor AND s.endpoint = d.endpoint AND s.document_key = d.document_key), 0) AS lines_micros
            FROM documents d
            WHERE \(scope)d.stated_total_micros IS NOT NULL AND d.direction IN ('incoming', 'outgoing')
              AND abs(d.stated_total_micros - coalesce((SELECT sum(amount_micros) FROM staging_lines s
                             WHERE s.vendor = d.vendor AND s.endpoint = d.endpoint AND s.document_key = d.document_key), 0))
                  >= \(Money.totalTolerance.micros)
            """)
    }

    /// Per vendor and currency, the lines' amounts against the purchases' cost and sell, over
    /// `staging` (as `s`) and `purchases` (as `p`); `groups` becomes the CTE `g` they may join.
    static func costAndSellTotals(groups: String? = nil, staging: String, purchases: String) -> String {
        """
        WITH \(groups.map { "g AS MATERIALIZED (\($0)), " } ?? "")staged AS (
            SELECT s.vendor, s.currency, sum(CASE WHEN s.direction = 'incoming' THEN s.amount_micros ELSE 0 END) AS incoming,
                   sum(CASE WHEN s.direction = 'outgoing' THEN s.amount_micros ELSE 0 END) AS outgoing,
                   sum(CASE WHEN s.direction = 'incoming' THEN coalesce(s.vat_micros, 0) ELSE 0 END) AS incoming_vat
            FROM \(staging) GROUP BY s.vendor, s.currency),
        bought AS (
            SELECT p.vendor, p.currency, coalesce(sum(p.cost_micros), 0) AS cost, coalesce(sum(p.sell_micros), 0) AS sell,
                   coalesce(sum(p.vat_micros), 0) AS vat
            FROM \(purchases) GROUP BY p.vendor, p.currency),
        keys AS (SELECT vendor, currency FROM staged UNION SELECT vendor, currency FROM bought)
        SELECT k.vendor, k.currency, coalesce(s.incoming, 0) AS incoming_micros, coalesce(b.cost, 0) AS cost_micros,
               coalesce(s.outgoing, 0) AS outgoing_micros, coalesce(b.sell, 0) AS sell_micros,
               coalesce(s.incoming_vat, 0) AS incoming_vat_micros, coalesce(b.vat, 0) AS vat_micros
        FROM keys k LEFT JOIN staged s USING (vendor, currency) LEFT JOIN bought b USING (vendor, currency)
        WHERE coalesce(s.incoming, 0) <> coalesce(b.cost, 0) OR coalesce(s.outgoing, 0) <> coalesce(b.sell, 0)
           OR coalesce(s.incoming_vat, 0) <> coalesce(b.vat, 0)
        """
    }

    /// Amounts at a path no decoder reads (`LineAmountPath`), in the last run that read the
    /// endpoint: a vendor that moved price lines into a new array. The documents are stored and
    /// their other lines counted (unknown fields are never fatal), so this check is what makes
    /// the run partial. It passes again once a run of that endpoint no longer sees the path.
    package static let amountsRead = DataCheck(
        name: "amounts_read",
        rule: "every amount (ExtendedPrice) the last read of an endpoint held is one billwh counts (Customers[].Subscriptions[].PriceLines[])",
        sql: """
            SELECT f.vendor, f.endpoint, f.api_version, f.path, f.last_seen_at FROM vendor_fields f
            JOIN ingest_runs seen ON seen.ingest_id = f.last_ingest_id
            WHERE f.path_key LIKE '%' || ?1 AND f.path_key NOT LIKE '%' || ?2
              AND seen.run_id = (SELECT max(i.run_id) FROM ingest_runs i
                                 WHERE i.vendor = f.vendor AND i.endpoint = f.endpoint AND i.status IN ('ok', 'partial'))
              AND coalesce((SELECT d.direction FROM documents d WHERE d.vendor = f.vendor AND d.endpoint = f.endpoint LIMIT 1), '')
                  <> 'crosscheck'
            ORDER BY f.vendor, f.endpoint, f.path
            """,
        arguments: [LineAmountPath.field, LineAmountPath.read])

    static let purchasesUpToDate = DataCheck(name: "purchases_up_to_date",
                                             rule: "no staging change waits for reconciliation (run `billwh reconcile`)",
                                             sql: "SELECT vendor, customer_key FROM reconcile_queue")

    package static func cutoffMonth(today: CalendarDate, maxOpenMonths: Int) -> Month {
        var cutoff = Month("\(today.description.prefix(7))")!
        for _ in 0..<maxOpenMonths { cutoff = cutoff.previous }
        return cutoff
    }

    package static func run(_ db: Database, checks: [DataCheck], sampleSize: Int = 10) throws -> [CheckResult] {
        try checks.map { check in
            let started = ContinuousClock.now
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(check.sql))", arguments: check.arguments) ?? 0
            var columns: [String] = []
            var sample: [[String]] = []
            if count > 0 {
                let rows = try Row.fetchAll(db, sql: "\(check.sql) LIMIT \(sampleSize)", arguments: check.arguments)
                columns = rows.first.map { Array($0.columnNames) } ?? []
                sample = rows.map { row in row.databaseValues.map { $0.isNull ? "NULL" : String(describing: $0.storage.textValue) } }
            }
            return CheckResult(check: check, failures: count, columns: columns, sample: sample, elapsed: ContinuousClock.now - started)
        }
    }

    package static func render(_ results: [CheckResult]) -> String {
        var out = ""
        for result in results {
            if result.passed {
                out += "ok    \(result.check.name) — \(result.check.rule)\n"
            } else {
                out += "\(result.check.isReminder ? "WARN" : "FAIL")  \(result.check.name) — \(result.check.rule): \(result.failures) offending rows\n"
                out += TextTable.render(header: result.columns, rows: result.sample)
                if result.failures > result.sample.count { out += "  … \(result.failures - result.sample.count) more\n" }
            }
        }
        let failed = results.filter(\.failed)
        let reminders = results.filter(\.reminds)
        out += failed.isEmpty ? "\(results.count - reminders.count) checks passed\n"
            : "\(failed.count) of \(results.count) checks failed: \(failed.map(\.check.name).joined(separator: ", "))\n"
        if !reminders.isEmpty {
            out += "reminder (a warning, not a failure): \(reminders.map(\.check.name).joined(separator: ", "))\n"
        }
        return out
    }
}

extension DatabaseValue.Storage {
    var textValue: String {
        switch self {
        case .null: "NULL"
        case .int64(let v): String(v)
        case .double(let v): String(v)
        case .string(let s): s
        case .blob(let d): "<\(d.count) bytes>"
        }
    }
}
