import Export
import Foundation
import GRDB
import Warehouse

/// `billwh report …`: the monthly questions — did we bill everything we bought, at a margin?
/// Each report is one SQL query, written out by the same streaming writers as `billwh query`.
package enum Reports {
    package enum MarginGrouping: String, Sendable, CaseIterable {
        case customer, sku
    }

    /// Exceptions per customer and currency: unbilled (revenue leakage), unbilled credit notes
    /// (a vendor's credit not passed on), unbacked, unbacked credit notes, quantity mismatches,
    /// negative margins, margin outliers per SKU, ambiguous, and lines whose partner is in
    /// another currency (also counted as unbilled / unbacked). Credit notes are a kind of their
    /// own so that one never nets a leak away. Amounts of different currencies are never added.
    package static func exceptionsSQL(month: String?) -> (sql: String, arguments: StatementArguments) {
        let sql = """
            WITH p AS (
                SELECT * FROM purchases WHERE (?1 IS NULL OR substr(invoice_date, 1, 7) = ?1)),
            ratios AS (
                SELECT purchase_id, vendor, sku, CAST(margin_micros AS REAL) / cost_micros AS r FROM p
                WHERE match_status IN ('matched', 'quantity_mismatch') AND adjusts_month IS NULL AND cost_micros > 0),
            sku_stats AS (
                -- Margin ratio (margin / cost) per SKU: a row more than two standard deviations
                -- from its SKU's mean is an outlier (statistics only; amounts stay exact).
                SELECT vendor, sku, avg(r) AS mean, avg(r * r) - avg(r) * avg(r) AS variance, count(*) AS n
                FROM ratios GROUP BY vendor, sku),
            outliers AS (
                SELECT x.purchase_id FROM ratios x JOIN sku_stats s ON s.vendor = x.vendor AND s.sku IS x.sku
                WHERE s.n >= 5 AND s.variance > 0 AND (x.r - s.mean) * (x.r - s.mean) > 4 * s.variance),
            exceptions AS (
                SELECT CASE match_status
                           WHEN 'unbilled' THEN CASE WHEN document_type = 'credit_note' THEN '2 unbilled_credit' ELSE '1 unbilled' END
                           WHEN 'unbacked' THEN CASE WHEN document_type = 'credit_note' THEN '4 unbacked_credit' ELSE '3 unbacked' END
                           WHEN 'quantity_mismatch' THEN '5 quantity_mismatch' ELSE '8 ambiguous' END AS kind, *
                FROM p WHERE match_status IN ('unbilled', 'unbacked', 'quantity_mismatch', 'ambiguous')
                UNION ALL
                -- Billed below cost. (A credit note's margin is negative by nature: it reverses one.)
                SELECT '6 negative_margin', * FROM p WHERE margin_micros < 0 AND cost_micros >= 0
                UNION ALL
                SELECT '7 margin_outlier', * FROM p WHERE purchase_id IN (SELECT purchase_id FROM outliers)
                UNION ALL
                SELECT '9 currency_mismatch', * FROM p WHERE match_rule LIKE '%:currency_mismatch')
            SELECT substr(kind, 3) AS exception, vendor, customer_number, max(customer_name) AS customer_name, currency,
                   count(*) AS lines,
                   billwh_money(sum(cost_micros)) AS cost, billwh_money(sum(sell_micros)) AS sell,
                   billwh_money(sum(margin_micros)) AS margin,
                   group_concat(DISTINCT sku) AS skus
            FROM exceptions
            GROUP BY kind, vendor, customer_key, currency
            ORDER BY kind, vendor, currency, abs(coalesce(sum(cost_micros), 0)) + abs(coalesce(sum(sell_micros), 0)) DESC, customer_number
            """
        return (sql, [month])
    }

    package static func marginSQL(month: String?, by grouping: MarginGrouping) -> (sql: String, arguments: StatementArguments) {
        let (key, columns) = switch grouping {
        case .customer: ("vendor, customer_key, currency", "vendor, customer_number, max(customer_name) AS customer_name, currency")
        case .sku: ("vendor, sku, currency", "vendor, sku, max(description) AS description, currency")
        }
        let sql = """
            SELECT \(columns), count(*) AS lines,
                   billwh_money(coalesce(sum(cost_micros), 0)) AS cost, billwh_money(coalesce(sum(sell_micros), 0)) AS sell,
                   billwh_money(coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0)) AS margin,
                   CASE WHEN coalesce(sum(sell_micros), 0) <> 0
                        -- round, then + 0.0: a margin just below zero shows as 0.0, not -0.0
                        THEN printf('%.1f', round(100.0 * (coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0)) / sum(sell_micros), 1) + 0.0) END AS margin_pct,
                   -- Leakage: what was bought and never billed; a vendor's credit note is no leak
                   -- (it is listed in the exceptions, as an unbilled credit).
                   billwh_money(coalesce(sum(CASE WHEN match_status = 'unbilled' AND document_type IS NOT 'credit_note' THEN cost_micros END), 0)) AS unbilled_cost
            FROM purchases
            WHERE (?1 IS NULL OR substr(invoice_date, 1, 7) = ?1)
            GROUP BY \(key)
            ORDER BY vendor, currency, coalesce(sum(sell_micros), 0) - coalesce(sum(cost_micros), 0) DESC
            """
        return (sql, [month])
    }

    /// Runs a report on the warehouse (read-only) to `output`.
    package static func run(_ report: (sql: String, arguments: StatementArguments), databasePath: String, format: QueryFormat,
                           output: FileHandle = .standardOutput) throws -> QuerySummary {
        let queue = try WarehouseDatabase.openReadOnly(path: databasePath)
        return try queue.read { db in
            db.add(function: moneyFunction)
            // The writers take SQL text; the month is the only argument and is validated.
            let sql = try inline(report, db)
            return try runQuery(sql, in: db, format: format, output: output)
        }
    }

    /// The rows of a report as `run` writes them, for a reader that lays them out itself (the
    /// HTML report): one set of queries, so the two can never disagree.
    package static func rows(_ report: (sql: String, arguments: StatementArguments), in db: Database) throws -> [Row] {
        db.add(function: moneyFunction)
        return try Row.fetchAll(db, sql: report.sql, arguments: report.arguments)
    }

    /// `billwh_money(micros)`: exact decimal text with at least 2 decimals (NULL stays NULL).
    static let moneyFunction = DatabaseFunction("billwh_money", argumentCount: 1, pure: true) { values in
        guard let micros = Int64.fromDatabaseValue(values[0]) else { return nil }
        return Money(micros: micros).formatted()
    }

    static func inline(_ report: (sql: String, arguments: StatementArguments), _ db: Database) throws -> String {
        var sql = report.sql
        let values = try Row.fetchOne(db, sql: "SELECT quote(?)", arguments: report.arguments)
        let quoted: String = values?[0] ?? "NULL"
        sql = sql.replacingOccurrences(of: "?1", with: quoted)
        return sql
    }
}
