import Foundation
import GRDB
import Ingestion
import Testing
import TestSupport
import VendorSandbox
import Warehouse
@testable import Reconciliation

/// What a backfill does differently: customers without purchases are queued whole
/// rather than group by group, and a bulk load writes its settled-tier lines without the
/// settled match-group index, which is built again afterwards. Either way the purchases must
/// be those of a full rebuild, and the index the one the migration made.
@Suite struct BulkLoadTests {
    static func write(_ queue: DatabaseQueue, _ endpoint: Endpoint, key: String, customers: [String], lines: Int,
                      rng: inout SplitMix64, holds: Int = MatchGroupIndex.settleAbove, bulkLoad: Bool = false) throws {
        let decoded = DecodedDocument(key: key, date: CalendarDate(year: 2026, month: 10, day: 1)!, type: nil, currency: "EUR",
                                      lines: (0..<lines).map { _ in GroupScopeTests.line(&rng, customers: customers) })
        let document = FetchedDocument(raw: Array("{\"\(key)\": \(lines)}".utf8), keyHint: key, result: .success(decoded))
        try queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: endpoint, window: GroupScopeTests.window, startedAt: "now",
                                    statistics: FetchStatistics(), status: "ok")
            _ = try IngestWriter.record(db, entry: entry, stream: .eager { [document] }, recentTierHolds: holds, bulkLoad: bulkLoad)
        }
    }

    static func queuedGroups(_ queue: DatabaseQueue) throws -> [String: Set<String>] {
        try queue.read { db in
            var groups: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT customer_key, match_group FROM reconcile_queue_groups") {
                groups[row["customer_key"], default: []].insert(row["match_group"])
            }
            return groups
        }
    }

    static func settledIndexSQL(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'staging_by_match_group'")
    }

    @Test func customersWithoutPurchasesAreQueuedWholeTheOthersByGroup() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var rng = SplitMix64(seed: 11)
        try Self.write(queue, GroupScopeTests.incoming, key: "INV-1", customers: ["000417"], lines: 6, rng: &rng)
        #expect(try Self.queuedGroups(queue) == ["000417": [MatchGroupIndex.wholeCustomer]])
        _ = try queue.write { try Reconciler.reconcile($0) }

        // 000417 has purchases now: its new lines queue their groups; 000418 is new: whole.
        try Self.write(queue, GroupScopeTests.outgoing, key: "CS-1", customers: ["000417", "000418"], lines: 12, rng: &rng)
        let queued = try Self.queuedGroups(queue)
        let groupsOf417 = try queue.read { db in
            Set(try String.fetchAll(db, sql: "SELECT match_group FROM staging_lines WHERE customer_key = '000417' AND endpoint = 'customer-specifications'"))
        }
        #expect(queued["000418"] == [MatchGroupIndex.wholeCustomer])
        #expect(queued["000417"] == groupsOf417 && !groupsOf417.isEmpty)

        let (incremental, whole) = try queue.write { db in
            let report = try Reconciler.reconcile(db)
            #expect(report.wholeCustomers == 1)
            return (try GroupScopeTests.snapshot(db), try GroupScopeTests.fullRebuild(db))
        }
        GroupScopeTests.expectSame(incremental, whole, "after a new customer's first lines")
    }

    /// A key with a NUL in it cannot go through the JSON list (SQLite's JSON ends the text
    /// there): it is queued on its own, whole at first and by group once it has purchases.
    @Test func aCustomerKeyWithANULIsQueuedToo() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var rng = SplitMix64(seed: 13)
        let customers = ["x\u{0}y", "x"]
        func queued() throws -> [String] {
            try queue.read { db in
                try String.fetchAll(db, sql: "SELECT hex(customer_key) || ':' || match_group FROM reconcile_queue_groups ORDER BY 1")
            }
        }
        try Self.write(queue, GroupScopeTests.incoming, key: "INV-1", customers: customers, lines: 8, rng: &rng)
        #expect(try queued() == ["780079:*", "78:*"])
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM reconcile_queue") } == 2)
        _ = try queue.write { try Reconciler.reconcile($0) }
        try Self.write(queue, GroupScopeTests.outgoing, key: "CS-1", customers: customers, lines: 8, rng: &rng)
        let groups = try queued()
        #expect(groups.contains { $0.hasPrefix("780079:") && !$0.hasSuffix(":*") }, "\(groups)")
        let (incremental, whole) = try queue.write { db in
            _ = try Reconciler.reconcile(db)
            return (try GroupScopeTests.snapshot(db), try GroupScopeTests.fullRebuild(db))
        }
        GroupScopeTests.expectSame(incremental, whole, "with a NUL in a customer key")
    }

    @Test func aBulkLoadWritesSettledLinesWithoutTheIndexAndItIsBuiltAsMigrated() throws {
        let migrated = try TempWarehouse(withRun: true)
        defer { migrated.remove() }
        let asMigrated = try migrated.queue.read { try Self.settledIndexSQL($0) }
        #expect(asMigrated != nil)

        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var rng = SplitMix64(seed: 12)
        let customers = ["000417", "000418", "000419"]
        // The recent tier has room: a bulk load keeps the index (its lines do not go there).
        try Self.write(queue, GroupScopeTests.incoming, key: "INV-1", customers: customers, lines: 4, rng: &rng, holds: 3, bulkLoad: true)
        #expect(try queue.read { try Self.settledIndexSQL($0) } == asMigrated)
        // Not a bulk load: the settled tier gets its lines through the index.
        try Self.write(queue, GroupScopeTests.incoming, key: "INV-2", customers: customers, lines: 4, rng: &rng, holds: 3)
        #expect(try queue.read { try Self.settledIndexSQL($0) } == asMigrated)
        // A bulk load into the settled tier drops it...
        try Self.write(queue, GroupScopeTests.outgoing, key: "CS-1", customers: customers, lines: 9, rng: &rng, holds: 3, bulkLoad: true)
        #expect(try queue.read { try Self.settledIndexSQL($0) } == nil)
        #expect(try queue.read { try Int.fetchAll($0, sql: "SELECT recent FROM staging_lines ORDER BY line_id") }
                == Array(repeating: 1, count: 4) + Array(repeating: 0, count: 13))
        // ...and a window rolled back leaves it in place.
        _ = try queue.write { db in try MatchGroupIndex.restoreSettledLinesIndex(db) }
        try? queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: GroupScopeTests.outgoing, window: GroupScopeTests.window,
                                    startedAt: "now", statistics: FetchStatistics(), status: "ok")
            _ = try IngestWriter.record(db, entry: entry, stream: .eager { [] }, recentTierHolds: 3, bulkLoad: true)
            #expect(try Self.settledIndexSQL(db) == nil)
            throw DatabaseError(resultCode: .SQLITE_FULL)
        }
        #expect(try queue.read { try Self.settledIndexSQL($0) } == asMigrated)

        // Built again (by reconcile, as after a bulk load that was killed), it is the migrated one,
        // and the incremental rows are those of a full rebuild, read through it.
        try Self.write(queue, GroupScopeTests.outgoing, key: "CS-2", customers: customers, lines: 5, rng: &rng, holds: 3, bulkLoad: true)
        #expect(try queue.read { try Self.settledIndexSQL($0) } == nil)
        let (incremental, whole) = try queue.write { db in
            _ = try Reconciler.reconcile(db)
            #expect(try Self.settledIndexSQL(db) == asMigrated)
            let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(MatchGroupIndex.rows(of: "staging_lines", as: "s", ofCustomers: "reconcile_queue"))")
                .map { $0["detail"] as String }
            #expect(plan.contains { $0.contains("staging_by_match_group") }, "\(plan)")
            return (try GroupScopeTests.snapshot(db), try GroupScopeTests.fullRebuild(db))
        }
        GroupScopeTests.expectSame(incremental, whole, "after a bulk load")
        #expect(try queue.read { db in try MatchGroupIndex.restoreSettledLinesIndex(db) } == false)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    }

    /// Once a run has found the recent tier full it says so, and later windows go to the
    /// settled tier without counting the recent one again.
    @Test func aWindowReportsItsTierAndAFullRecentTierIsTakenAsSaid() throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        func record(_ key: String, full: Bool) throws -> Int {
            let document = FetchedDocument(raw: Array("{\"\(key)\": 1}".utf8), keyHint: key, result: .success(
                DecodedDocument(key: key, date: CalendarDate(year: 2026, month: 10, day: 1)!, type: nil, currency: "EUR",
                                lines: [StagingLine(amount: Money(micros: 1))])))
            return try queue.write { db in
                let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: GroupScopeTests.incoming, window: GroupScopeTests.window,
                                        startedAt: "now", statistics: FetchStatistics(), status: "ok")
                let recorded = try IngestWriter.record(db, entry: entry, stream: .eager { [document] }, recentTierHolds: 1, recentTierFull: full)
                return recorded.recentTier
            }
        }
        #expect(try record("INV-1", full: false) == 1)
        #expect(try record("INV-2", full: true) == 0, "room left, but the run said it was full")
        #expect(try record("INV-3", full: false) == 1, "1 recent row is not more than 1")
        #expect(try record("INV-4", full: false) == 0)
        #expect(try queue.read { try Int.fetchAll($0, sql: "SELECT recent FROM staging_lines ORDER BY line_id") } == [1, 0, 1, 0])
    }

    /// One large window (a first backfill in one response): its first documents fill the
    /// recent tier, the rest go on in the settled tier, and once the run has written more lines
    /// than the warehouse held, without the settled index.
    @Test(arguments: [(5, true), (100, false)])
    func aLargeWindowFillsTheRecentTierThenLoadsTheSettledOne(bulkLoadAfter: Int, dropsTheIndex: Bool) throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        let queue = warehouse.queue
        var rng = SplitMix64(seed: 21)
        let documents = (1...4).map { n in
            FetchedDocument(raw: Array("{\"INV-\(n)\": 3}".utf8), keyHint: "INV-\(n)", result: .success(
                DecodedDocument(key: "INV-\(n)", date: CalendarDate(year: 2026, month: 10, day: n)!, type: nil, currency: "EUR",
                                lines: (0..<3).map { _ in GroupScopeTests.line(&rng, customers: ["000417", "000418"]) })))
        }
        let recorded = try queue.write { db in
            let entry = LedgerEntry(runID: 1, vendor: .copaco, endpoint: GroupScopeTests.incoming, window: GroupScopeTests.window,
                                    startedAt: "now", statistics: FetchStatistics(), status: "ok")
            return try IngestWriter.record(db, entry: entry, stream: .eager { documents }, recentTierHolds: 4, bulkLoadAfter: bulkLoadAfter)
        }
        #expect(recorded.recentTier == 0)
        // 0 and then 3 recent rows are not more than 4: two documents in the recent tier.
        #expect(try queue.read { try Int.fetchAll($0, sql: "SELECT recent FROM staging_lines ORDER BY line_id") }
                == Array(repeating: 1, count: 6) + Array(repeating: 0, count: 6))
        #expect(try queue.read { try Self.settledIndexSQL($0) == nil } == dropsTheIndex)
        #expect(try queue.write { try MatchGroupIndex.restoreSettledLinesIndex($0) } == dropsTheIndex)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    }

    /// The index the writer drops and builds again is the migration's, to the byte.
    @Test func theSettledIndexIsTheMigrations() throws {
        let migration = Migrations.embedded.first { $0.fileName.hasPrefix("0006_") }!
        #expect(migration.sql.contains(MatchGroupIndex.settledLinesIndexSQL + ";"))
    }
}
