import Export
import Foundation
import GRDB
import Mustache
import Pipeline
import Reconciliation
import Warehouse

/// `billwh report html`: one self-contained HTML page — margin, cost and sell per month and
/// currency, revenue leakage, the match-status mix, the month's exceptions and margin by
/// customer, and how fresh the data is. Inline CSS and SVG only: it loads nothing.
package enum HTMLReport {
    package struct Options: Sendable {
        /// The month the tables show; when nil, the last complete month (or the latest month
        /// with purchases, if earlier).
        package var month: Month?
        /// How many months the charts cover, ending with `month`.
        package var months: Int
        package var locale: ReportLocale
        package var today: CalendarDate

        package init(month: Month? = nil, months: Int = 12, locale: ReportLocale = .en, today: CalendarDate = .today()) {
            self.month = month
            self.months = months
            self.locale = locale
            self.today = today
        }
    }

    /// The page for the warehouse at `databasePath` (opened read-only).
    /// `beforeReading` runs first in the transaction the page is read in (the CLI's freshness
    /// note then speaks of the state the page shows).
    /// `busyTimeout`: how long to wait for a process that has the file to itself (a first load).
    package static func render(databasePath: String, options: Options, busyTimeout: TimeInterval = 10,
                               beforeReading: (Database) throws -> Void = { _ in }) throws -> String {
        let queue = try WarehouseDatabase.openReadOnly(path: databasePath, busyTimeout: busyTimeout)
        let data = try queue.read { db in
            try beforeReading(db)
            return try ReportData.read(db, month: options.month, months: max(1, options.months), today: options.today)
        }
        let page = ReportPage(data: data, locale: options.locale, database: (databasePath as NSString).lastPathComponent,
                              generatedAt: Timestamp.now())
        return try render(page)
    }

    /// Writes the page to `path` through a temporary file and a rename: never half a page.
    /// `path` "-" is standard output.
    package static func write(databasePath: String, options: Options, to path: String,
                              beforeReading: (Database) throws -> Void = { _ in }) throws {
        let html = try render(databasePath: databasePath, options: options, beforeReading: beforeReading)
        if path == "-" {
            var writer = ByteWriter(fileDescriptor: STDOUT_FILENO, destinationName: "standard output")
            writer.append(html)
            try writer.flush()
            return
        }
        let file = try AtomicFile(path: path)
        do {
            var writer = ByteWriter(fileDescriptor: file.fileDescriptor, destinationName: path)
            writer.append(html)
            try writer.flush()
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    static func render(_ page: ReportPage) throws -> String {
        var library = MustacheLibrary()
        try library.register(ReportTemplate.amount, named: "amount")
        try library.register(ReportTemplate.chart, named: "chart")
        try library.register(ReportTemplate.page, named: "page")
        guard let html = library.render(page, withTemplate: "page") else { throw ReportError.template }
        return html
    }

    enum ReportError: Error { case template }
}
