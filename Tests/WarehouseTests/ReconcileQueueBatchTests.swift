import GRDB
import Testing
import TestSupport
@testable import Warehouse

/// The batch queues when it holds `limit` groups and once more at the end; however often it
/// flushes, the queue must hold the same rows as one flush gives.
@Suite struct ReconcileQueueBatchTests {
    /// Documents over two months, one of them closed, of a customer with purchases (its groups
    /// are queued), one without (queued whole) and one in both.
    static let documents: [(month: String, groups: TouchedGroups)] = (0..<12).map { index in
        var touched = TouchedGroups()
        for customer in ["with", "without", index % 2 == 0 ? "with" : "new-\(index)"] {
            touched.add(customerKey: customer, rowHash: String(format: "%040x", index * 7919 + customer.count), periodStart: nil)
            touched.add(customerKey: customer, rowHash: nil, periodStart: CalendarDate(year: 2026, month: 1 + index % 3, day: 1))
        }
        return (index % 4 == 3 ? "2025-12" : "2026-0\(1 + index % 3)", touched)
    }

    static func queued(limit: Int) throws -> [String] {
        let folder = try TempDir()
        let database = try WarehouseDatabase.openForWriting(path: folder.path("w.sqlite"))
        return try database.write { db in
            try db.execute(sql: """
                INSERT INTO purchases (vendor, invoice_date, currency, match_status, customer_key) VALUES ('copaco', '2026-01-05', 'EUR', 'unbilled', 'with');
                INSERT INTO closed_months (month, closed_at) VALUES ('2025-12', '2026-01-10T00:00:00Z');
                """)
            let batch = ReconcileQueueBatch(db: db, vendor: "copaco", limit: limit)
            for document in documents { try batch.add(document.groups, month: document.month) }
            try batch.flush()
            return try String.fetchAll(db, sql: """
                SELECT 'q ' || customer_key FROM reconcile_queue
                UNION ALL SELECT 'g ' || customer_key || ' ' || match_group FROM reconcile_queue_groups ORDER BY 1
                """)
        }
    }

    @Test func flushingAtEveryLimitQueuesWhatOneFlushQueues() throws {
        let once = try Self.queued(limit: 1_000_000)
        #expect(once.contains("g with *"), "a change in a closed month queues its customer whole")
        #expect(once.contains("g without *"), "a customer without purchases is queued whole")
        #expect(once.contains { $0.hasPrefix("g with h") }, "a customer with purchases has its groups queued")
        for limit in [1, 2, 5, 13] {
            #expect(try Self.queued(limit: limit) == once, "limit \(limit)")
        }
    }
}
