import Foundation
import GRDB
import JSON
import Warehouse

/// When Copper's company sync reads every company, and what such a read removes
/// (`crm_sync_state`, migrations/0014_crm_sync_state.sql). Copper's search shows no deleted
/// company, so only a read of all of them finds one gone.
enum FullRead {
    /// How long a company deleted in Copper may stay linked.
    static let interval: TimeInterval = 7 * 86_400

    /// Why this sync reads every company, or nil for an incremental one. `firstSync`: no
    /// company is stored yet.
    static func reason(_ db: Database, field: CopperCustomFieldDefinition, asked: Bool, firstSync: Bool, now: Date) throws -> String? {
        if asked { return "asked for" }
        if firstSync { return "first sync" }
        guard let state = try Row.fetchOne(db, sql: """
            SELECT customer_number_field_id, customer_number_field, full_sync_at FROM crm_sync_state
            """) else {
            return "no full read recorded yet"
        }
        if (state["customer_number_field_id"] as Int64) != field.id {
            let before: String = state["customer_number_field"]
            return "the customer-number field is now \(JSONString.quoted(field.name)), it was \(JSONString.quoted(before))"
        }
        let last: String = state["full_sync_at"]
        if last < Timestamp.format(now.addingTimeInterval(-interval)) {
            return "the last full read was on \(last.prefix(10)), a week or more ago"
        }
        return nil
    }

    /// After a complete full read: removes the companies it did not find, with their customer
    /// numbers (their raw versions stay), and records the read. Returns the removed ids.
    static func finish(_ db: Database, seen: Set<Int64>, field: CopperCustomFieldDefinition, now: Date) throws -> [Int64] {
        let gone = try Int64.fetchAll(db, sql: "SELECT company_id FROM crm_companies ORDER BY company_id").filter { !seen.contains($0) }
        for id in gone {
            try db.execute(sql: "DELETE FROM crm_customer_numbers WHERE company_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM crm_companies WHERE company_id = ?", arguments: [id])
        }
        try db.execute(sql: """
            INSERT INTO crm_sync_state (singleton, customer_number_field_id, customer_number_field, full_sync_at) VALUES (1, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET customer_number_field_id = excluded.customer_number_field_id,
                customer_number_field = excluded.customer_number_field, full_sync_at = excluded.full_sync_at
            """, arguments: [field.id, field.name, Timestamp.format(now)])
        return gone
    }
}
