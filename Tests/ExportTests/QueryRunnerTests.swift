import Export
import Foundation
import GRDB
import Testing
import Warehouse

@Suite struct QueryRunnerTests {
    /// A small table with every SQLite type and awkward text.
    static func database(_ folder: TemporaryFolder) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: folder.file("q.sqlite"))
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE t (id INTEGER, name TEXT, amount REAL, data BLOB, note TEXT);
                INSERT INTO t VALUES (1, 'plain', 2.5, x'00ff10', NULL);
                INSERT INTO t VALUES (2, 'comma, "quote"', 0.1, NULL, 'tab	and
                newline');
                INSERT INTO t VALUES (-3, 'Ëlla €', 1e20, x'', 'back\\slash');
                INSERT INTO t VALUES (9007199254740993, '', NULL, NULL, ' padded ');
                """)
        }
        return queue
    }

    /// Runs a query and returns what it wrote.
    static func run(_ sql: String, _ queue: DatabaseQueue, _ folder: TemporaryFolder, format: QueryFormat,
                    write: Bool = false) throws -> (text: String, summary: QuerySummary) {
        let path = folder.file("out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let summary = try write
            ? queue.writeWithoutTransaction { db in try runQuery(sql, in: db, format: format, allowWrite: true, output: handle) }
            : queue.read { db in try runQuery(sql, in: db, format: format, output: handle) }
        try handle.close()
        return (String(decoding: try Fixtures.read(path), as: UTF8.self), summary)
    }

    static let select = "SELECT id, name, amount, data, note FROM t ORDER BY rowid"

    @Test func csv() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, summary) = try Self.run(Self.select, queue, folder, format: .csv)
        #expect(summary.rows == 4)
        #expect(text == [
            "id,name,amount,data,note",
            "1,plain,2.5,00ff10,",
            "2,\"comma, \"\"quote\"\"\",0.1,,\"tab\tand\nnewline\"",
            "-3,Ëlla €,1e+20,,back\\slash",
            "9007199254740993,,,,\" padded \"",
        ].map { $0 + "\r\n" }.joined())
        let out = folder.file("check.csv")
        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        let parsed = try Fixtures.parseCSV(out, delimiter: ",")
        #expect(parsed[2] == ["2", "comma, \"quote\"", "0.1", "", "tab\tand\nnewline"])
    }

    @Test func tsv() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, _) = try Self.run(Self.select, queue, folder, format: .tsv)
        #expect(text == [
            "id\tname\tamount\tdata\tnote",
            "1\tplain\t2.5\t00ff10\t",
            "2\tcomma, \"quote\"\t0.1\t\ttab\\tand\\nnewline",
            "-3\tËlla €\t1e+20\t\tback\\\\slash",
            "9007199254740993\t\t\t\t padded ",
        ].map { $0 + "\n" }.joined())
    }

    @Test func json() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, summary) = try Self.run(Self.select, queue, folder, format: .json)
        #expect(summary.rows == 4)
        #expect(text.hasPrefix("[\n{\"id\":1,\"name\":\"plain\",\"amount\":2.5,\"data\":\"AP8Q\",\"note\":null},\n"))
        #expect(text.hasSuffix("{\"id\":9007199254740993,\"name\":\"\",\"amount\":null,\"data\":null,\"note\":\" padded \"}\n]\n"))
        let out = folder.file("check.json")
        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        // Python: key order and values (big integer kept exactly).
        let script = """
            import json, sys
            rows = json.load(open(sys.argv[1], encoding='utf-8'))
            json.dump([[list(r.keys()), [repr(v) for v in r.values()]] for r in rows], sys.stdout)
            """
        let parsed = try JSONDecoder().decode([[[String]]].self, from: Fixtures.python(script, [out]))
        #expect(parsed.count == 4)
        #expect(parsed.allSatisfy { $0[0] == ["id", "name", "amount", "data", "note"] })
        #expect(parsed[1][1] == ["2", "'comma, \"quote\"'", "0.1", "None", "'tab\\tand\\nnewline'"])
        #expect(parsed[2][1] == ["-3", "'Ëlla €'", "1e+20", "''", "'back\\\\slash'"])
        #expect(parsed[3][1][0] == "9007199254740993")
    }

    @Test func jsonOfNoRowsIsAnEmptyArray() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        #expect(try Self.run("SELECT * FROM t WHERE 0", queue, folder, format: .json).text == "[]\n")
        #expect(try Self.run("SELECT * FROM t WHERE 0", queue, folder, format: .jsonl).text == "")
    }

    @Test func jsonl() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, _) = try Self.run(Self.select, queue, folder, format: .jsonl)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "{\"id\":1,\"name\":\"plain\",\"amount\":2.5,\"data\":\"AP8Q\",\"note\":null}")
        #expect(lines[1] == "{\"id\":2,\"name\":\"comma, \\\"quote\\\"\",\"amount\":0.1,\"data\":null,\"note\":\"tab\\tand\\nnewline\"}")
        let out = folder.file("check.jsonl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        let count = try Fixtures.python("import json,sys\nprint(sum(1 for l in open(sys.argv[1]) if json.loads(l)))", [out])
        #expect(String(decoding: count, as: UTF8.self) == "4\n")
    }

    @Test func table() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, summary) = try Self.run(Self.select, queue, folder, format: .table)
        #expect(summary.rows == 4 && summary.cutValues == 0)
        // Header left-aligned, numbers right-aligned, escapes visible, NULL empty, BLOB hex.
        #expect(text == [
            "id               | name           | amount | data   | note",
            "-----------------+----------------+--------+--------+------------------",
            "               1 | plain          |    2.5 | 00ff10 | ",
            "               2 | comma, \"quote\" |    0.1 |        | tab\\tand\\nnewline",
            "              -3 | Ëlla €         |  1e+20 |        | back\\slash",
            "9007199254740993 |                |        |        |  padded ",
        ].map { $0 + "\n" }.joined())
    }

    @Test func tableCutsLongValuesAndKeepsStreamingPastTheSample() throws {
        let folder = try TemporaryFolder()
        let queue = try DatabaseQueue(path: folder.file("long.sqlite"))
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE l (n INTEGER, s TEXT);
                WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1500)
                INSERT INTO l SELECT n, CASE WHEN n = 1200 THEN printf('%.100c', 'y') ELSE 'v' || n END FROM c;
                INSERT INTO l VALUES (0, printf('%.70c', 'é'));
                """)
        }
        let (text, summary) = try Self.run("SELECT n, s FROM l ORDER BY rowid", queue, folder, format: .table)
        #expect(summary.rows == 1501)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1503)
        #expect(lines[0] == "n    | s")
        // The widths come from the first 1000 rows: 'v1000' is 5 wide, later values are cut to it.
        #expect(lines[2 + 1199] == "1200 | yyyy…")
        #expect(lines[2 + 1499] == "1500 | v1500")
        #expect(lines[2 + 1500] == "   0 | éééé…")
        // Counted, so that `billwh query` can say values were cut.
        #expect(summary.cutValues == 2)
    }

    @Test func refusesWritesWithoutAllowWrite() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        for sql in ["DELETE FROM t", "SELECT 1; DELETE FROM t", "INSERT INTO t (id) VALUES (5)",
                    "DROP TABLE t", "CREATE TABLE u (x)", "UPDATE t SET id = 0", "PRAGMA user_version = 3"] {
            #expect { try Self.run(sql, queue, folder, format: .csv) } throws: { error in
                guard case QueryError.writeRefused = error else { return false }
                return "\(error)".contains("--write")
            }
        }
        let count = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
        #expect(count == 4)
        // Refused before anything ran: not even the SELECT before the DELETE wrote output.
        let out = folder.file("refused.csv")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        #expect(throws: QueryError.self) {
            try queue.read { db in try runQuery("SELECT 1; DELETE FROM t", in: db, format: .csv, output: handle) }
        }
        try handle.close()
        #expect(try Fixtures.read(out).isEmpty)
    }

    @Test func acceptsWritesWithAllowWrite() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        let (text, summary) = try Self.run("DELETE FROM t WHERE id < 0; UPDATE t SET note = 'x' WHERE id = 1; SELECT count(*) AS n FROM t",
                                           queue, folder, format: .csv, write: true)
        #expect(text == "n\r\n3\r\n")
        #expect(summary.changes == 2)
        #expect(summary.statements == 3)
        #expect(try queue.read { try String.fetchOne($0, sql: "SELECT note FROM t WHERE id = 1") } == "x")
    }

    @Test func anOpenTransactionIsRolledBack() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        #expect(throws: QueryError.self) {
            try Self.run("BEGIN; DELETE FROM t", queue, folder, format: .csv, write: true)
        }
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 4)
    }

    @Test func brokenSQLCarriesSQLitesMessage() throws {
        let folder = try TemporaryFolder()
        let queue = try Self.database(folder)
        #expect { try Self.run("SELEC * FROM t", queue, folder, format: .table) } throws: { "\($0)".contains("near \"SELEC\": syntax error") }
        #expect { try Self.run("SELECT * FROM nope", queue, folder, format: .table) } throws: { "\($0)".contains("no such table: nope") }
        #expect { try Self.run("  -- nothing\n", queue, folder, format: .table) } throws: { error in
            if case QueryError.noStatement = error { return true } else { return false }
        }
    }

    @Test func readOnlyFileRefusesWritesEvenWhenAllowed() throws {
        let folder = try TemporaryFolder()
        let devNull = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        let (path, _) = try Fixtures.warehouse(in: folder)
        let readOnly = try WarehouseDatabase.openReadOnly(path: path)
        #expect(throws: QueryError.self) {
            try readOnly.read { db in try runQuery("DELETE FROM purchases", in: db, format: .csv, allowWrite: true, output: devNull) }
        }
        let rows = try runQuery("SELECT * FROM purchases", databasePath: path, format: .csv, output: devNull).rows
        #expect(rows == 4)
    }
}
