import Foundation
import GRDB
import Testing
import TestSupport
import Warehouse

/// A first load takes the file for itself without the WAL, and gives it back in WAL mode, open
/// to others, when it ends; a file another connection has open keeps its WAL.
@Suite struct FirstLoadJournalTests {
    static func journalMode(_ queue: DatabaseQueue) throws -> String? {
        try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
    }

    static func addRun(_ queue: DatabaseQueue, _ id: Int) throws {
        try queue.write { try $0.execute(sql: "INSERT INTO runs (run_id, command, pid, started_at) VALUES (?, 'test', 1, 'now')", arguments: [id]) }
    }

    static func runs(_ queue: DatabaseQueue) throws -> Int {
        try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs") ?? -1 }
    }

    /// A reader that fails at once rather than waiting.
    static func impatientReader(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .immediateError
        return try DatabaseQueue(path: path, configuration: config)
    }

    @Test func theLoadHasTheFileAloneThenGivesItBackInWALMode() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        #expect(try warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.begin($0) })
        #expect(try Self.journalMode(warehouse.queue) == "delete")
        try Self.addRun(warehouse.queue, 1)
        #expect(!FileManager.default.fileExists(atPath: warehouse.path + "-wal"), "the load writes no WAL")
        // Once it has written, nobody else reads until the load ends.
        #expect(throws: DatabaseError.self) { try Self.runs(Self.impatientReader(warehouse.path)) }

        try warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.end($0) }
        #expect(try Self.journalMode(warehouse.queue) == "wal")
        let reader = try Self.impatientReader(warehouse.path)
        #expect(try Self.runs(reader) == 1)
        // WAL again: the writer writes while the reader is in the middle of a read.
        try reader.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM runs") == 1)
            try Self.addRun(warehouse.queue, 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM runs") == 1, "the reader's snapshot")
        }
        #expect(try Self.runs(reader) == 2)
    }

    @Test func aFileAnotherConnectionHasOpenKeepsItsWAL() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        let other = try DatabaseQueue(path: warehouse.path)
        #expect(try Self.runs(other) == 0)
        #expect(try !warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.begin($0) })
        #expect(try Self.journalMode(warehouse.queue) == "wal")
        // Neither is left locked out of the file.
        try Self.addRun(other, 1)
        try Self.addRun(warehouse.queue, 2)
        #expect(try Self.runs(other) == 2)
    }

    @Test func aFileNotInWALIsLeftAsItIs() throws {
        let warehouse = try TempWarehouse()
        defer { warehouse.remove() }
        #expect(try warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.begin($0) })
        #expect(try !warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.begin($0) }, "already taken")
        try warehouse.queue.writeWithoutTransaction { try FirstLoadJournal.end($0) }
        #expect(try Self.journalMode(warehouse.queue) == "wal")
    }
}
