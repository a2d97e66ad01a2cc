import GRDB
import Vendors
import Warehouse

/// Why the purchases of a span of invoice dates may be incomplete, for the people who export
/// and close it (who do not read the nightly's exit code): a vendor endpoint whose documents
/// of some of those days were never read, documents of it waiting in quarantine, or days still
/// to come. `close` and `export purchases` say these as warnings; they do not refuse.
package enum DocumentGaps {
    /// The endpoints whose documents become purchases, by vendor.
    static let stagedEndpoints: Set<String> = [
        "copaco/\(CopacoConnector.invoicesName)", "copaco/\(CopacoConnector.customerSpecificationsName)",
        "twotcloud/\(TwoTCloudConnector.invoicesName)", "twotcloud/\(TwoTCloudConnector.customerInvoicesName)",
    ]

    /// One sentence per gap in `window`; empty when every endpoint ever read has read every day
    /// of it, nothing read for it waits in quarantine, and it has ended.
    package static func find(_ db: Database, in window: DateWindow, today: CalendarDate) throws -> [String] {
        var gaps: [String] = []
        // Only endpoints this warehouse reads: a vendor never configured is not a gap.
        let endpoints = try Row.fetchAll(db, sql: "SELECT DISTINCT vendor, endpoint FROM ingest_runs ORDER BY vendor, endpoint")
            .map { "\($0["vendor"] as String)/\($0["endpoint"] as String)" }
            .filter(stagedEndpoints.contains)
        let read = try Row.fetchAll(db, sql: """
            SELECT vendor || '/' || endpoint AS name, window_start, window_end FROM ingest_runs
            WHERE status IN ('ok', 'partial') AND window_end >= ? AND window_start <= ?
            ORDER BY name, window_start
            """, arguments: [window.start.description, window.end.description])
        var covered: [String: [DateWindow]] = [:]
        for row in read {
            guard let start = CalendarDate(parsing: row["window_start"] as String), let end = CalendarDate(parsing: row["window_end"] as String),
                  let span = DateWindow(start: start, end: end) else { continue }
            covered[row["name"], default: []].append(span)
        }
        // Days after today cannot have been read; they are said once, below.
        if let readable = DateWindow(start: window.start, end: min(window.end, today)) {
            for endpoint in endpoints {
                for missing in unread(readable, by: covered[endpoint] ?? []) {
                    let vendor = endpoint.prefix { $0 != "/" }
                    gaps.append("\(endpoint): \(missing) was never read: run `billwh ingest --vendor \(vendor) --since \(missing.start) --until \(missing.end)`")
                }
            }
        }
        let quarantined = try Row.fetchAll(db, sql: """
            SELECT q.vendor || '/' || q.endpoint AS name, count(*) AS items FROM quarantine q
            JOIN ingest_runs i ON i.ingest_id = q.ingest_id
            WHERE q.resolved_at IS NULL AND i.window_end >= ? AND i.window_start <= ?
            GROUP BY name ORDER BY name
            """, arguments: [window.start.description, window.end.description])
        for row in quarantined where stagedEndpoints.contains(row["name"] as String) {
            let items: Int = row["items"]
            gaps.append("\(row["name"] as String): \(items) \(items == 1 ? "item" : "items") read with these days \(items == 1 ? "is" : "are") in quarantine "
                        + "(`billwh status`; docs/vendor-changes.md says how to resolve them)")
        }
        if window.end >= today {
            gaps.append("\(window.end) has not passed yet (today is \(today), UTC): documents dated up to it may still come")
        }
        return gaps
    }

    /// The parts of `window` no span of `spans` covers.
    static func unread(_ window: DateWindow, by spans: [DateWindow]) -> [DateWindow] {
        var missing: [DateWindow] = []
        var next = window.start
        for span in spans.sorted(by: { $0.start < $1.start }) where span.end >= next {
            if span.start > next, let gap = DateWindow(start: next, end: min(span.start.adding(days: -1), window.end)) {
                missing.append(gap)
            }
            next = max(next, span.end.adding(days: 1))
            if next > window.end { return missing }
        }
        if let gap = DateWindow(start: next, end: window.end) { missing.append(gap) }
        return missing
    }
}
