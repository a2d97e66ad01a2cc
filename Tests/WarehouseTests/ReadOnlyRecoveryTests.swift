import Foundation
import GRDB
import TestSupport
import Testing
import Warehouse

/// A run killed in the middle of a write leaves a hot rollback journal (or a WAL) that only a
/// writable connection may recover; the read-only commands (`status`, `query`, `export`) must
/// still open the file, and see what was committed.
@Suite struct ReadOnlyRecoveryTests {
    /// A file with one committed row, and a writer killed with SIGKILL inside a transaction
    /// that added 20,000 more: its journal is left hot.
    static func fileWithHotJournal(in folder: TempDir) throws -> String {
        let path = folder.path("killed.sqlite")
        let script = """
            import os, signal, sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("CREATE TABLE schema_migrations(version)")  # what makes it a warehouse to billwh
            c.execute("CREATE TABLE t(x)"); c.execute("INSERT INTO t VALUES (1)")
            c.execute("PRAGMA cache_size=1"); c.execute("BEGIN")
            for i in range(20000): c.execute("INSERT INTO t VALUES (randomblob(200))")
            os.kill(os.getpid(), signal.SIGKILL)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(FileManager.default.fileExists(atPath: path + "-journal"), "the killed writer left no journal")
        return path
    }

    @Test func aReaderRollsBackWhatAKilledWriterLeftAndSeesTheCommittedRows() throws {
        let folder = try TempDir()
        let path = try Self.fileWithHotJournal(in: folder)
        // What a plain read-only open says, and what billwh must not say to a user.
        #expect(throws: DatabaseError.self) {
            var config = Configuration()
            config.readonly = true
            _ = try DatabaseQueue(path: path, configuration: config)
        }
        let queue = try WarehouseDatabase.openReadOnly(path: path, anySchema: true)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 1)
    }
}
