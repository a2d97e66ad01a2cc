import GRDB
import Warehouse

/// A calendar month, `YYYY-MM`: the unit the books are closed in.
package struct Month: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int

    package init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), year >= 1900 else { return nil }
        self.year = year
        self.month = month
    }

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The month `date` falls in.
    package init(of date: CalendarDate) { self.init(year: date.year, month: date.month) }

    package var next: Month { month == 12 ? Month(year: year + 1, month: 1) : Month(year: year, month: month + 1) }
    package var previous: Month { month == 1 ? Month(year: year - 1, month: 12) : Month(year: year, month: month - 1) }
    package var firstDay: String { "\(description)-01" }
    /// Its days, first to last.
    package var days: DateWindow {
        DateWindow(start: CalendarDate(year: year, month: month, day: 1)!,
                   end: CalendarDate(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year))!)!
    }
    package var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        return "\(year)-\(m)"
    }
    package static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

package enum PeriodCloseError: Error, CustomStringConvertible, Equatable {
    case alreadyClosed(Month)
    case notClosed(Month)
    case laterMonthClosed(Month, later: Month)
    case reasonRequired
    case notBegun(Month, today: CalendarDate)

    package var description: String {
        switch self {
        case .alreadyClosed(let m): "\(m) is already closed"
        case .notClosed(let m): "\(m) is not closed"
        case let .laterMonthClosed(m, later): "\(later) is closed after \(m) and may hold adjustments for it: reopen \(later) first (months reopen latest first)"
        case let .notBegun(m, today): "\(m) has not begun (today is \(today), UTC): a month is closed once its purchases are exported — check --month"
        case .reasonRequired: "reopening a closed month needs a reason (--reason \"...\"): it is recorded with the event"
        }
    }
}

/// Closing and reopening months (`billwh close` / `billwh reopen`). Both are recorded in
/// `period_events`; the caller holds the run lock and reconciles pending work first.
package enum PeriodClose {
    package static func closedMonths(_ db: Database) throws -> [Month] {
        try String.fetchAll(db, sql: "SELECT month FROM closed_months ORDER BY month").compactMap(Month.init)
    }

    package static func close(_ db: Database, month: Month, note: String?, user: String?) throws {
        let closed = try closedMonths(db)
        if closed.contains(month) { throw PeriodCloseError.alreadyClosed(month) }
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO closed_months (month, closed_at, note) VALUES (?, ?, ?)", arguments: [month.description, now, note])
        try db.execute(sql: "INSERT INTO period_events (month, action, at, reason, user) VALUES (?, 'close', ?, ?, ?)",
                       arguments: [month.description, now, note, user])
    }

    /// Reopens the month and queues every customer with rows in it (or adjustments for it), so
    /// the next reconcile rebuilds them from staging.
    package static func reopen(_ db: Database, month: Month, reason: String, user: String?) throws {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PeriodCloseError.reasonRequired }
        let closed = try closedMonths(db)
        guard closed.contains(month) else { throw PeriodCloseError.notClosed(month) }
        if let later = closed.last(where: { $0 > month }) { throw PeriodCloseError.laterMonthClosed(month, later: later) }
        try db.execute(sql: "DELETE FROM closed_months WHERE month = ?", arguments: [month.description])
        try db.execute(sql: "INSERT INTO period_events (month, action, at, reason, user) VALUES (?, 'reopen', ?, ?, ?)",
                       arguments: [month.description, Timestamp.now(), trimmed, user])
        // Also every customer with an adjustment dated after the month: for an earlier closed
        // month, the first open month after it is now this one, and its adjustments move here.
        try ReconcileQueue(db).enqueueCustomers("""
            SELECT DISTINCT vendor, customer_key FROM purchases
            WHERE substr(invoice_date, 1, 7) = ?1 OR adjusts_month = ?1
               OR (adjusts_month IS NOT NULL AND substr(invoice_date, 1, 7) > ?1)
            """, arguments: [month.description])
    }
}

/// Adjustment rows for closed months (docs/reconciliation.md, "Closed months").
///
/// Per closed month and line group — vendor, customer, invoice, outgoing document,
/// subscription, SKU, period, currency, charge type — the difference between what the rows
/// should now be (`temp.desired`) and what the closed month holds (its frozen rows plus
/// adjustments already made for it) becomes one adjustment row, dated on the first day of the
/// first open month after it. Open months' adjustment rows are rebuilt like any row, so
/// re-running changes nothing. Only customers rebuilt whole (`temp.scope_whole`) are netted:
/// the groups rebuilt on their own have nothing in closed months (Reconciler).
enum PeriodAdjustments {
    static func write(_ db: Database) throws {
        let closed = Set(try PeriodClose.closedMonths(db))
        try db.execute(sql: "DROP TABLE IF EXISTS temp.adjust_to; CREATE TEMP TABLE adjust_to (month TEXT PRIMARY KEY, date TEXT NOT NULL) WITHOUT ROWID")
        let insert = try db.makeStatement(sql: "INSERT INTO temp.adjust_to VALUES (?, ?)")
        for month in closed {
            var open = month.next
            while closed.contains(open) { open = open.next }
            try insert.execute(arguments: [month.description, open.firstDay])
        }
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.balance;
            CREATE TEMP TABLE balance AS
            SELECT vendor, customer_key, month, invoice_id, outgoing_document, subscription_id, sku, period_start, period_end,
                   currency, charge_type,
                   sum(cost) AS cost, sum(sell) AS sell,
                   coalesce(max(CASE WHEN side = 'desired' THEN match_status END), max(match_status)) AS match_status,
                   max(customer_number) AS customer_number, max(customer_name) AS customer_name, max(description) AS description,
                   max(document_type) AS document_type, count(vat) AS vat_rows, coalesce(sum(vat), 0) AS vat,
                   group_concat(CASE WHEN side = 'frozen' THEN purchase_id END, ',') AS frozen_ids,
                   -- A group the month never held, of one row, is that row's lines: its
                   -- quantities are as sent. A difference has none.
                   CASE WHEN count(*) = 1 AND max(side) = 'desired' THEN max(quantity_bought) END AS quantity_bought,
                   CASE WHEN count(*) = 1 AND max(side) = 'desired' THEN max(quantity_billed) END AS quantity_billed
            FROM (
                SELECT 'desired' AS side, NULL AS purchase_id, d.vendor, d.customer_key, substr(d.invoice_date, 1, 7) AS month,
                       d.invoice_id, d.outgoing_document, d.subscription_id, d.sku, d.period_start, d.period_end, d.currency,
                       d.charge_type, coalesce(d.cost_micros, 0) AS cost, coalesce(d.sell_micros, 0) AS sell,
                       d.match_status, d.customer_number, d.customer_name, d.description, d.document_type, d.vat_micros AS vat,
                       d.quantity_bought, d.quantity_billed
                FROM temp.desired d
                WHERE substr(d.invoice_date, 1, 7) IN (SELECT month FROM temp.adjust_to)
                  AND (d.vendor, d.customer_key) IN (SELECT vendor, customer_key FROM temp.scope_whole)
                UNION ALL
                SELECT CASE WHEN p.adjusts_month IS NULL THEN 'frozen' ELSE 'adjusted' END, p.purchase_id, p.vendor, p.customer_key,
                       coalesce(p.adjusts_month, substr(p.invoice_date, 1, 7)),
                       p.invoice_id, p.outgoing_document, p.subscription_id, p.sku, p.period_start, p.period_end, p.currency,
                       p.charge_type, -coalesce(p.cost_micros, 0), -coalesce(p.sell_micros, 0),
                       p.match_status, p.customer_number, p.customer_name, p.description, p.document_type, -p.vat_micros,
                       NULL, NULL
                FROM (\(MatchGroupIndex.rows(of: "purchases", as: "p", ofCustomers: "temp.scope_whole"))) p
                WHERE p.adjusts_month IS NOT NULL OR substr(p.invoice_date, 1, 7) IN (SELECT month FROM temp.adjust_to)
            )
            GROUP BY vendor, customer_key, month, invoice_id, outgoing_document, subscription_id, sku, period_start, period_end,
                     currency, charge_type
            HAVING sum(cost) <> 0 OR sum(sell) <> 0 OR coalesce(sum(vat), 0) <> 0;

            INSERT INTO purchases (vendor, invoice_id, invoice_date, customer_number, customer_name, subscription_id,
                sku, description, charge_type, period_start, period_end, currency, quantity_bought, quantity_billed,
                cost_micros, sell_micros, margin_micros,
                match_status, match_rule, outgoing_document, customer_key, adjusts_month, adjusts_purchase_ids,
                document_type, vat_micros)
            SELECT b.vendor, b.invoice_id, a.date, b.customer_number, b.customer_name, b.subscription_id,
                   b.sku, b.description, b.charge_type, b.period_start, b.period_end, b.currency,
                   b.quantity_bought, b.quantity_billed,
                   -- A matched group's difference keeps both sides, a zero one too, so that its
                   -- margin is sell - cost of the row as written; elsewhere an unchanged side is NULL.
                   CASE WHEN b.cost <> 0 OR b.match_status IN ('matched', 'quantity_mismatch') THEN b.cost END,
                   CASE WHEN b.sell <> 0 OR b.match_status IN ('matched', 'quantity_mismatch') THEN b.sell END,
                   CASE WHEN b.match_status IN ('matched', 'quantity_mismatch') THEN b.sell - b.cost END,
                   b.match_status, 'adjustment', b.outgoing_document, b.customer_key, b.month, b.frozen_ids,
                   coalesce(b.document_type, 'invoice'), CASE WHEN b.vat_rows > 0 THEN b.vat END
            FROM temp.balance b JOIN temp.adjust_to a ON a.month = b.month
            ORDER BY b.month, b.vendor, b.customer_key, b.invoice_id, b.outgoing_document, b.sku, b.period_start;

            DROP TABLE temp.balance; DROP TABLE temp.adjust_to;
            """)
    }
}
