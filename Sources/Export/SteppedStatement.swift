import GRDB
import GRDBSQLite

/// A prepared statement whose rows are stepped through SQLite's C API: the exports read values
/// without GRDB's row decoding, which costs more than the whole CSV formatting.
///
/// A single statement on a GRDB connection is prepared by GRDB (`prepare(_:in:)`) and stepped
/// through its `sqliteStatement`. Two callers prepare on the C API instead: `billwh query`,
/// which splits a script into statements itself (GRDB's statement cursor stops at an empty
/// statement such as `;;`), and the replica's snapshot, whose connection is not GRDB's.
package final class SteppedStatement {
    let handle: OpaquePointer
    let connection: OpaquePointer
    /// The GRDB statement that owns `handle`, or nil when this class finalizes it.
    private let owner: Statement?

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Prepares the first statement of `sql`; `tail` is the byte offset where the rest starts.
    /// Returns nil when `sql` holds no statement (only whitespace or comments).
    static func prepare(_ sql: UnsafeBufferPointer<UInt8>, on connection: OpaquePointer) throws(SQLiteFailure) -> (statement: SteppedStatement?, tail: Int) {
        guard !sql.isEmpty else { return (nil, 0) }
        var handle: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let base = UnsafeRawPointer(sql.baseAddress!).assumingMemoryBound(to: CChar.self)
        let rc = sqlite3_prepare_v2(connection, base, Int32(sql.count), &handle, &tail)
        guard rc == SQLITE_OK else {
            if let handle { sqlite3_finalize(handle) }
            throw SQLiteFailure(code: rc, message: String(cString: sqlite3_errmsg(connection)))
        }
        let consumed = tail.map { $0 - base } ?? sql.count
        return (handle.map { SteppedStatement(handle: $0, connection: connection, owner: nil) }, consumed)
    }

    package static func prepare(_ sql: String, on connection: OpaquePointer) throws(SQLiteFailure) -> SteppedStatement {
        let bytes = Array(sql.utf8)
        let prepared: (statement: SteppedStatement?, tail: Int)
        do {
            prepared = try bytes.withUnsafeBufferPointer { try prepare($0, on: connection) }
        } catch let error as SQLiteFailure {
            throw error
        } catch {
            throw SQLiteFailure(code: SQLITE_ERROR, message: "\(error)")
        }
        guard let statement = prepared.statement else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "no SQL statement")
        }
        return statement
    }

    /// Prepares one statement through GRDB.
    package static func prepare(_ sql: String, in db: Database) throws(SQLiteFailure) -> SteppedStatement {
        let connection = try db.rawConnection()
        do {
            let statement = try db.makeStatement(sql: sql)
            return SteppedStatement(handle: statement.sqliteStatement, connection: connection, owner: statement)
        } catch let error as DatabaseError {
            throw SQLiteFailure(code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)")
        } catch {
            throw SQLiteFailure(code: SQLITE_ERROR, message: "\(error)")
        }
    }

    private init(handle: OpaquePointer, connection: OpaquePointer, owner: Statement?) {
        self.handle = handle
        self.connection = connection
        self.owner = owner
    }

    deinit { if owner == nil { sqlite3_finalize(handle) } }

    package func bind(_ text: String, at index: Int32) throws(SQLiteFailure) {
        let rc = sqlite3_bind_text(handle, index, text, -1, SteppedStatement.transient)
        guard rc == SQLITE_OK else { throw failure(rc) }
    }

    /// true for a row, false when done.
    @inline(__always)
    package func step() throws(SQLiteFailure) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw failure(rc)
    }

    var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    package var columnCount: Int32 { sqlite3_column_count(handle) }

    func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "column\(index + 1)"
    }

    /// The statement's SQL as written, for error messages.
    var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "" }

    /// TEXT (or any value converted to text) as bytes; nil for NULL.
    @inline(__always)
    package func text(_ index: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let pointer = sqlite3_column_text(handle, index) else { return nil }
        return UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, index)))
    }

    func failure(_ rc: Int32) -> SQLiteFailure {
        SQLiteFailure(code: rc, message: String(cString: sqlite3_errmsg(connection)))
    }
}

/// An SQLite error code with SQLite's own message.
package struct SQLiteFailure: Error, CustomStringConvertible {
    package let code: Int32
    package let message: String
    package var description: String { message }
    package init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
}

extension Database {
    func rawConnection() throws(SQLiteFailure) -> OpaquePointer {
        guard let connection = sqliteConnection else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database connection is closed")
        }
        return connection
    }
}

extension SteppedStatement {
    @inline(__always)
    package func columnType(_ index: Int32) -> Int32 { sqlite3_column_type(handle, index) }

    @inline(__always)
    func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// The bytes of a BLOB (empty for a zero-length BLOB).
    package func blob(_ index: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        guard let pointer, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }
}

/// Runs `body` with SQLite reading the database file through a memory map (`PRAGMA mmap_size`),
/// then puts the connection's previous setting back.
///
/// Reading through the map saves the kernel-to-user copy of every page that `pread` makes:
/// profiled on the 1M-row export, those copies were a fifth of the time (the sort visits table
/// pages in index order). SQLite clamps the size to its compile-time maximum.
func withMemoryMappedReads<T>(_ connection: OpaquePointer, _ body: () throws -> T) rethrows -> T {
    var previous: Int64 = 0
    var statement: OpaquePointer?
    if sqlite3_prepare_v2(connection, "PRAGMA mmap_size", -1, &statement, nil) == SQLITE_OK,
       sqlite3_step(statement) == SQLITE_ROW {
        previous = sqlite3_column_int64(statement, 0)
    }
    sqlite3_finalize(statement)
    sqlite3_exec(connection, "PRAGMA mmap_size = 1099511627776", nil, nil, nil)
    defer { sqlite3_exec(connection, "PRAGMA mmap_size = \(previous)", nil, nil, nil) }
    return try body()
}
