import GRDB
import Reconciliation
import Warehouse

/// What the template shows, as text: every amount rounded for people next to its exact micros.
struct ReportPage {
    struct Amount {
        var text: String
        var micros: String
        var currency: String
        var negative: Bool
        /// Which figure: cost, sell, margin or unbilled.
        var field: String
    }

    struct MonthRow {
        var month: String
        var lines: Int
        var linesText: String
        var cost: Amount?
        var sell: Amount?
        var margin: Amount?
        var unbilled: Amount?
    }

    struct CurrencySection {
        var currency: String
        var chart: BarChart
        var rows: [MonthRow]
    }

    struct Unbilled {
        var vendor: String
        var customerNumber: String = ""
        var name: String = ""
        var sku: String = ""
        var description: String = ""
        var currency: String
        var unbilled: Amount?
        var micros: Int64
    }

    struct StatusCount {
        var status: String
        var count: Int
        var text: String
    }

    struct StatusRow {
        var month: String
        var counts: [StatusCount]
    }

    struct Exception {
        var exception: String
        var vendor: String
        var customerNumber: String
        var name: String
        var currency: String
        var lines: Int
        var linesText: String
        var cost: Amount?
        var sell: Amount?
        var margin: Amount?
        var skus: String
    }

    struct Customer {
        var vendor: String
        var customerNumber: String
        var name: String
        var crmName: String
        var currency: String
        var lines: Int
        var linesText: String
        var cost: Amount?
        var sell: Amount?
        var margin: Amount?
        var marginPct: String
        var unbilled: Amount?
    }

    struct Endpoint {
        var vendor: String
        var endpoint: String
        var lastGoodRun: String
        var lastOutcome: String
        var outcomeClass: String
        var covered: String
        var documents: String
        var quarantined: String
    }

    struct FailedCheck {
        var name: String
        var rule: String
        var failures: String
    }

    struct Quarantined {
        var vendor: String
        var endpoint: String
        var document: String
        var reason: String
        var lastSeen: String
    }

    var lang: String
    var month: String
    var firstMonth: String
    var monthCount: Int
    /// "last month" or "last 12 months".
    var monthsText: String
    var database: String
    var generatedAt: String
    var vendors: [String]
    var hasData: Bool
    var marginSections: [CurrencySection]
    var leakageSections: [CurrencySection]
    var topCustomers: [Unbilled]
    var hasTopCustomers: Bool
    var topSkus: [Unbilled]
    var hasTopSkus: Bool
    var statusChart: BarChart
    var statusNames: [String]
    var statusRows: [StatusRow]
    var exceptions: [Exception]
    var hasExceptions: Bool
    var customers: [Customer]
    var hasCustomers: Bool
    var endpoints: [Endpoint]
    var hasEndpoints: Bool
    var failedChecks: [FailedCheck]
    var hasFailedChecks: Bool
    var reminders: [FailedCheck]
    var hasReminders: Bool
    var quarantined: [Quarantined]
    var hasQuarantined: Bool

    static let topCount = 10

    init(data: ReportData, locale: ReportLocale, database: String, generatedAt: String) {
        func amount(_ micros: Int64?, _ currency: String, _ field: String) -> Amount? {
            guard let micros else { return nil }
            return Amount(text: locale.amount(micros: micros) + " " + currency, micros: String(micros), currency: currency,
                          negative: micros < 0, field: field)
        }
        func exact(_ row: Row, _ column: String) -> Int64? { (try? ReportData.micros(row[column])) ?? nil }

        // The page's words are English whatever the number format.
        lang = "en"
        month = data.month.description
        firstMonth = data.months.first?.description ?? month
        monthCount = data.months.count
        monthsText = monthCount == 1 ? "last month" : "last \(monthCount) months"
        self.database = database
        self.generatedAt = generatedAt
        vendors = data.vendors
        hasData = !data.customers.isEmpty
        let monthNames = data.months.map(\.description)

        marginSections = data.currencies.map { currency in
            let totals = data.months.map { data.totals[$0]?[currency] ?? ReportData.Totals() }
            let chart = BarChart.grouped(
                id: "margin-\(currency)", ariaLabel: "Cost, sell and margin per month in \(currency)", months: monthNames,
                series: [BarChart.Series(name: "cost", key: "cost", cssClass: "cost", values: totals.map(\.cost)),
                         BarChart.Series(name: "sell", key: "sell", cssClass: "sell", values: totals.map(\.sell)),
                         BarChart.Series(name: "margin", key: "margin", cssClass: "margin", values: totals.map(\.margin))],
                valueText: { locale.amount(micros: $0) + " " + currency }, exactText: { locale.exactAmount(micros: $0) + " " + currency },
                titlePrefix: { "\($1) \($0): " })
            let rows = zip(monthNames, totals).map { name, t in
                MonthRow(month: name, lines: t.lines, linesText: locale.count(t.lines), cost: amount(t.cost, currency, "cost"),
                         sell: amount(t.sell, currency, "sell"), margin: amount(t.margin, currency, "margin"), unbilled: amount(t.unbilled, currency, "unbilled"))
            }
            return CurrencySection(currency: currency, chart: chart, rows: rows)
        }
        leakageSections = data.currencies.map { currency in
            let totals = data.months.map { data.totals[$0]?[currency] ?? ReportData.Totals() }
            let chart = BarChart.grouped(
                id: "leakage-\(currency)", ariaLabel: "Unbilled cost per month in \(currency)", months: monthNames,
                series: [BarChart.Series(name: "unbilled cost", key: "unbilled", cssClass: "unbilled", values: totals.map(\.unbilled))],
                valueText: { locale.amount(micros: $0) + " " + currency }, exactText: { locale.exactAmount(micros: $0) + " " + currency },
                titlePrefix: { "\($1) \($0): " })
            return CurrencySection(currency: currency, chart: chart, rows: [])
        }

        // Largest unbilled cost first; amounts of different currencies are compared only for
        // the order of this list, never added.
        topCustomers = Array(data.customers.compactMap { row -> Unbilled? in
            guard let micros = exact(row, "unbilled_cost"), micros != 0 else { return nil }
            let currency: String = row["currency"]
            return Unbilled(vendor: row["vendor"], customerNumber: row["customer_number"] ?? "", name: row["customer_name"] ?? "",
                            currency: currency, unbilled: amount(micros, currency, "unbilled"), micros: micros)
        }.sorted { $0.micros > $1.micros }.prefix(Self.topCount))
        hasTopCustomers = !topCustomers.isEmpty
        topSkus = Array(data.skus.compactMap { row -> Unbilled? in
            guard let micros = exact(row, "unbilled_cost"), micros != 0 else { return nil }
            let currency: String = row["currency"]
            return Unbilled(vendor: row["vendor"], sku: row["sku"] ?? "", description: row["description"] ?? "",
                            currency: currency, unbilled: amount(micros, currency, "unbilled"), micros: micros)
        }.sorted { $0.micros > $1.micros }.prefix(Self.topCount))
        hasTopSkus = !topSkus.isEmpty

        statusNames = ReportData.statuses
        statusChart = BarChart.stacked(
            id: "status", ariaLabel: "Lines per match status and month", months: monthNames,
            series: ReportData.statuses.map { status in
                BarChart.Series(name: status.replacingOccurrences(of: "_", with: " "), key: status, cssClass: status,
                                values: data.months.map { Int64(data.statusLines[$0]?[status] ?? 0) })
            },
            valueText: { locale.count(Int($0)) })
        statusRows = data.months.map { m in
            StatusRow(month: m.description, counts: ReportData.statuses.map { status in
                let n = data.statusLines[m]?[status] ?? 0
                return StatusCount(status: status, count: n, text: locale.count(n))
            })
        }

        exceptions = data.exceptions.map { row in
            let currency: String = row["currency"]
            let lines: Int = row["lines"]
            return Exception(exception: row["exception"], vendor: row["vendor"], customerNumber: row["customer_number"] ?? "",
                             name: row["customer_name"] ?? "", currency: currency, lines: lines, linesText: locale.count(lines),
                             cost: amount(exact(row, "cost"), currency, "cost"), sell: amount(exact(row, "sell"), currency, "sell"),
                             margin: amount(exact(row, "margin"), currency, "margin"), skus: row["skus"] ?? "")
        }
        hasExceptions = !exceptions.isEmpty
        customers = data.customers.map { row in
            let currency: String = row["currency"]
            let lines: Int = row["lines"]
            let vendor: String = row["vendor"]
            let number: String? = row["customer_number"]
            var pct: String = row["margin_pct"] ?? ""
            if locale == .nl { pct = pct.replacingOccurrences(of: ".", with: ",") }
            return Customer(vendor: vendor, customerNumber: number ?? "", name: row["customer_name"] ?? "",
                            crmName: data.crmNames[ReportData.crmKey(vendor, number)] ?? "", currency: currency,
                            lines: lines, linesText: locale.count(lines),
                            cost: amount(exact(row, "cost"), currency, "cost"), sell: amount(exact(row, "sell"), currency, "sell"),
                            margin: amount(exact(row, "margin"), currency, "margin"), marginPct: pct.isEmpty ? "" : pct + " %",
                            unbilled: amount(exact(row, "unbilled_cost"), currency, "unbilled"))
        }
        hasCustomers = !customers.isEmpty

        endpoints = data.endpoints.map { e in
            Endpoint(vendor: e.vendor, endpoint: e.endpoint, lastGoodRun: e.lastGoodRun ?? "never", lastOutcome: e.lastOutcome ?? "-",
                     outcomeClass: e.lastOutcome == "ok" ? "ok" : "bad",
                     covered: e.coveredFrom.map { "\($0) to \(e.coveredTo ?? "")" } ?? "-",
                     documents: locale.count(e.documents), quarantined: locale.count(e.quarantined))
        }
        hasEndpoints = !endpoints.isEmpty
        let checkRow = { (result: CheckResult) in FailedCheck(name: result.check.name, rule: result.check.rule, failures: locale.count(result.failures)) }
        failedChecks = data.failedChecks.map(checkRow)
        hasFailedChecks = !failedChecks.isEmpty
        reminders = data.reminders.map(checkRow)
        hasReminders = !reminders.isEmpty
        quarantined = data.quarantined.map {
            Quarantined(vendor: $0["vendor"], endpoint: $0["endpoint"], document: $0["document_key"], reason: $0["reason"], lastSeen: $0["last_seen_at"])
        }
        hasQuarantined = !quarantined.isEmpty
    }
}
