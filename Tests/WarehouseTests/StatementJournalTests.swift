import Foundation
import GRDB
import Testing
import TestSupport
import Warehouse

/// A transaction with its statement journals in memory: `temp_store` is memory inside it and
/// what it was after it, whether it commits or throws, and a statement that fails part way is
/// still undone on its own.
@Suite struct StatementJournalTests {
    struct Planned: Error {}

    static func tempStore(_ db: Database) throws -> Int? { try Int.fetchOne(db, sql: "PRAGMA temp_store") }

    @Test(arguments: [0, 1])
    func tempStoreIsMemoryInsideAndWhatItWasAfter(previous: Int) throws {
        let warehouse = try TempWarehouse(withRun: true)
        defer { warehouse.remove() }
        try warehouse.queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA temp_store = \(previous)")
            let inside = try StatementJournal.inMemory(db) { () throws -> Int? in
                try db.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (2, 'test', 1, 'now')")
                return try Self.tempStore(db)
            }
            #expect(inside == 2)
            #expect(try Self.tempStore(db) == previous)
            #expect(throws: Planned.self) {
                try StatementJournal.inMemory(db) {
                    try db.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (3, 'test', 1, 'now')")
                    throw Planned()
                }
            }
            #expect(try Self.tempStore(db) == previous)
            #expect(try Int.fetchAll(db, sql: "SELECT run_id FROM runs ORDER BY 1") == [1, 2], "the failed transaction was rolled back")
            #expect(!db.isInsideTransaction)
        }
    }

    /// The journal's job: a statement that fires a trigger and fails at its last row, after
    /// changing far more than 64 KiB of pages, leaves the statements before it standing.
    @Test func aStatementThatFailsPartWayIsUndoneOnItsOwn() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        let rows = 2_000
        try warehouse.queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TABLE wide (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
                CREATE TRIGGER wide_last AFTER UPDATE ON wide WHEN NEW.id = \(rows)
                BEGIN SELECT RAISE(ABORT, 'the last row'); END;
                """)
            try StatementJournal.inMemory(db) {
                try db.execute(sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
                    INSERT INTO wide SELECT i, printf('%.500c', 'a') FROM n
                    """)
                #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE wide SET text = printf('%.500c', 'b')") }
                try db.execute(sql: "UPDATE wide SET text = 'c' WHERE id = 1")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM wide") == rows)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM wide WHERE text LIKE 'b%'") == 0, "the failed update left nothing")
            #expect(try String.fetchOne(db, sql: "SELECT text FROM wide WHERE id = 1") == "c")
        }
    }
}
