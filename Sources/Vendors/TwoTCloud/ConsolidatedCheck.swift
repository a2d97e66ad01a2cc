import GRDB
import Ingestion
import Warehouse

/// 2tCloud's `consolidatedinvoices` against the reconciled purchases.
///
/// The vendor warns that endpoint may drop lines, repeat them or put them under the wrong
/// customer, so it never feeds `purchases`; it is kept in raw and compared here, line keys only
/// (customer AccountID, subscription, SKU, period), over the windows it was read for.
package struct ConsolidatedComparison: Sendable, Equatable {
    package var documents = 0
    package var lines = 0
    /// Lines of the consolidated documents beyond what purchases hold for their key
    /// (duplicated, or assigned to a customer that did not buy it).
    package var onlyInConsolidated = 0
    /// Purchased lines the consolidated documents lack (dropped, or assigned elsewhere).
    package var missingFromConsolidated = 0
    /// Consolidated documents that could not be read again.
    package var unreadable = 0

    package var disagreeing: Int { onlyInConsolidated + missingFromConsolidated }
}

package enum ConsolidatedCheck {
    /// nil when no consolidated document was ever ingested.
    package static func compare(_ db: Database) throws -> ConsolidatedComparison? {
        let vendor = VendorID.twotcloud.rawValue
        let endpoint = TwoTCloudConnector.consolidatedName
        var result = ConsolidatedComparison()
        var balance: [String: Int] = [:]
        let documents = try Row.fetchCursor(db, sql: """
            SELECT r.payload FROM documents d JOIN raw_documents r ON r.raw_id = d.current_raw_id
            WHERE d.vendor = ? AND d.endpoint = ?
            """, arguments: [vendor, endpoint])
        while let row = try documents.next() {
            result.documents += 1
            let payload: [UInt8] = Array((row["payload"] as DatabaseValue).storage.bytes)
            guard let document = try? TwoTCloudConnector.decodeStored(payload, direction: .crossCheck) else {
                result.unreadable += 1
                continue
            }
            for line in document.lines {
                result.lines += 1
                balance[key(line.customerKey, line.subscriptionID, line.sku, line.periodStart?.description, line.periodEnd?.description), default: 0] += 1
            }
        }
        if result.documents == 0 { return nil }
        let purchased = try Row.fetchCursor(db, sql: """
            SELECT p.customer_key, p.subscription_id, p.sku, p.period_start, p.period_end FROM purchases p
            WHERE p.vendor = ? AND p.incoming_line_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM ingest_runs r WHERE r.vendor = ? AND r.endpoint = ? AND r.status IN ('ok', 'partial')
                          AND p.invoice_date BETWEEN r.window_start AND r.window_end)
            """, arguments: [vendor, vendor, endpoint])
        while let row = try purchased.next() {
            balance[key(row[0], row[1], row[2], row[3], row[4]), default: 0] -= 1
        }
        for count in balance.values {
            if count > 0 { result.onlyInConsolidated += count } else { result.missingFromConsolidated -= count }
        }
        return result
    }

    static func key(_ parts: String?...) -> String {
        parts.map { $0 ?? "\u{0}" }.joined(separator: "\u{1F}")
    }
}

extension DatabaseValue.Storage {
    var bytes: [UInt8] {
        switch self {
        case .blob(let data): Array(data)
        case .string(let text): Array(text.utf8)
        default: []
        }
    }
}
