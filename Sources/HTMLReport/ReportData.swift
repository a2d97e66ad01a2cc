import GRDB
import Pipeline
import Reconciliation
import Warehouse

/// The report's figures, read with the `report margin` and `report exceptions` queries (and
/// `billwh status`'s freshness queries), so the page and the text reports never disagree.
/// Amounts stay exact integer micros per currency; different currencies are never added.
struct ReportData {
    struct Totals: Equatable {
        var cost: Int64 = 0
        var sell: Int64 = 0
        var margin: Int64 = 0
        var unbilled: Int64 = 0
        var lines = 0
    }

    /// The match statuses in the order the stacked chart draws them.
    static let statuses = ["matched", "quantity_mismatch", "ambiguous", "unbilled", "unbacked"]

    var month: Month
    /// Oldest first, ending with `month`.
    var months: [Month]
    var currencies: [String]
    /// `totals[month][currency]`, from the margin report per month.
    var totals: [Month: [String: Totals]]
    /// `statusLines[month][status]`: lines per match status (the exceptions report's counts;
    /// matched is the margin report's lines less those).
    var statusLines: [Month: [String: Int]]
    /// The chosen month's rows of `report margin --by customer`, `--by sku` and `report exceptions`.
    var customers: [Row]
    var skus: [Row]
    var exceptions: [Row]
    /// CRM company name per vendor and customer number, where a Copper company claims it.
    var crmNames: [String: String]
    var endpoints: [StatusReport.EndpointStatus]
    var failedChecks: [CheckResult]
    /// Checks that hold as reminders (months left open): shown, never as failures.
    var reminders: [CheckResult]
    var quarantined: [Row]
    var vendors: [String]

    static func read(_ db: Database, month requested: Month?, months count: Int, today: CalendarDate) throws -> ReportData {
        let month = try requested ?? defaultMonth(db, today: today)
        var months = [month]
        while months.count < count { months.insert(months[0].previous, at: 0) }

        var totals: [Month: [String: Totals]] = [:]
        var statusLines: [Month: [String: Int]] = [:]
        var currencies = Set<String>()
        var customers: [Row] = []
        var exceptions: [Row] = []
        for m in months {
            let marginRows = try Reports.rows(Reports.marginSQL(month: m.description, by: .customer), in: db)
            var perCurrency: [String: Totals] = [:]
            for row in marginRows {
                let currency: String = row["currency"]
                currencies.insert(currency)
                var t = perCurrency[currency] ?? Totals()
                t.cost += try micros(row["cost"]) ?? 0
                t.sell += try micros(row["sell"]) ?? 0
                t.margin += try micros(row["margin"]) ?? 0
                t.unbilled += try micros(row["unbilled_cost"]) ?? 0
                t.lines += row["lines"] as Int
                perCurrency[currency] = t
            }
            totals[m] = perCurrency
            let exceptionRows = try Reports.rows(Reports.exceptionsSQL(month: m.description), in: db)
            var lines: [String: Int] = [:]
            for row in exceptionRows {
                // A credit note's exception counts under its match status.
                let kind = (row["exception"] as String).replacingOccurrences(of: "_credit", with: "")
                if statuses.contains(kind) { lines[kind, default: 0] += row["lines"] as Int }
            }
            let all = perCurrency.values.reduce(0) { $0 + $1.lines }
            lines["matched"] = all - lines.values.reduce(0, +)
            statusLines[m] = lines
            if m == month {
                customers = marginRows
                exceptions = exceptionRows
            }
        }
        let skus = try Reports.rows(Reports.marginSQL(month: month.description, by: .sku), in: db)
        var crmNames: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT vendor, customer_number, max(crm_company_name) AS name FROM purchases
            WHERE substr(invoice_date, 1, 7) = ? AND crm_company_name IS NOT NULL GROUP BY vendor, customer_number
            """, arguments: [month.description]) {
            crmNames[crmKey(row["vendor"], row["customer_number"])] = row["name"]
        }
        let checks = try DataChecks.run(db, checks: DataChecks.all(today: today), sampleSize: 3)
        let quarantined = try Row.fetchAll(db, sql: """
            SELECT vendor, endpoint, coalesce(document_key, '') AS document_key, reason, last_seen_at FROM quarantine
            WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, quarantine_id DESC LIMIT 50
            """)
        let vendors = try String.fetchAll(db, sql: "SELECT DISTINCT vendor FROM purchases ORDER BY vendor")
        return ReportData(month: month, months: months, currencies: currencies.sorted(), totals: totals, statusLines: statusLines,
                          customers: customers, skus: skus, exceptions: exceptions, crmNames: crmNames,
                          endpoints: try StatusReport.endpoints(db), failedChecks: checks.filter(\.failed),
                          reminders: checks.filter(\.reminds), quarantined: quarantined, vendors: vendors)
    }

    static func crmKey(_ vendor: String?, _ customerNumber: String?) -> String { "\(vendor ?? "")\u{1F}\(customerNumber ?? "")" }

    /// The last complete month, or the latest month with purchases if that is earlier: the
    /// current month is not billed yet, and its unbilled cost is no leak so far.
    static func defaultMonth(_ db: Database, today: CalendarDate) throws -> Month {
        let previous = Month(String(today.description.prefix(7)))!.previous
        guard let latest = try String.fetchOne(db, sql: "SELECT substr(max(invoice_date), 1, 7) FROM purchases").flatMap(Month.init) else {
            return previous
        }
        return min(latest, previous)
    }

    /// The reports' exact decimal text back to micros (NULL stays nil).
    static func micros(_ text: String?) throws -> Int64? {
        guard let text else { return nil }
        return try Money(parsing: text).micros
    }
}
