import Foundation
import GRDB
import Ingestion
import Warehouse

/// The "vendor changes" part of `billwh status`: fields the vendors started or stopped sending,
/// and the documents held in quarantine with why, so that a renamed field is seen the morning
/// after, not at the month's close.
enum VendorChangesReport {
    /// How far back field changes are listed.
    static let days = 90
    /// At most this many rows of each list; the rest is counted.
    static let limit = 20

    static func render(_ db: Database, today: CalendarDate = .today()) throws -> String {
        var out = ""
        let since = today.adding(days: -days).description
        let recorded = try FieldLedger.changes(db, since: since)
        let changes: [(change: FieldChange, at: String, within: Int)] = FieldChange.folded(recorded.map(\.change)).map { kept in
            (recorded[kept.index].change, recorded[kept.index].at, kept.within)
        }
        if !changes.isEmpty {
            out += "\nVendor changes (fields first seen or no longer sent, last \(days) days; docs/vendor-changes.md)\n"
            out += TextTable.render(
                header: ["when", "vendor", "endpoint", "version", "change", "field"],
                rows: changes.prefix(limit).map { item in
                    [String(item.at.prefix(10)), item.change.vendor.rawValue, item.change.endpoint, item.change.apiVersion,
                     item.change.kind.rawValue, item.change.path + (item.within > 0 ? " (and \(item.within) fields within)" : "")]
                })
            if changes.count > limit {
                out += "  … and \(changes.count - limit) more: billwh query \"SELECT * FROM vendor_fields WHERE change IS NOT NULL ORDER BY changed_at DESC\"\n"
            }
        }
        let quarantined = try Row.fetchAll(db, sql: """
            SELECT vendor, endpoint, coalesce(document_key, '(whole response)') AS document, reason, last_seen_at FROM quarantine
            WHERE resolved_at IS NULL ORDER BY last_seen_at DESC, vendor, endpoint, document_key LIMIT ?
            """, arguments: [limit + 1])
        if !quarantined.isEmpty {
            out += "\nQuarantined documents (kept with their bytes; `billwh rederive` after a fix, or they resolve when the vendor sends them readable)\n"
            out += TextTable.render(
                header: ["last seen", "vendor", "endpoint", "document", "reason"],
                rows: quarantined.prefix(limit).map { row in
                    let reason: String = row["reason"]
                    return [String((row["last_seen_at"] as String).prefix(10)), row["vendor"], row["endpoint"], row["document"],
                            reason.count > 160 ? String(reason.prefix(157)) + "..." : reason]
                })
            if quarantined.count > limit {
                out += "  … and more: billwh query \"SELECT vendor, endpoint, document_key, reason FROM quarantine WHERE resolved_at IS NULL\"\n"
            }
        }
        return out
    }
}
