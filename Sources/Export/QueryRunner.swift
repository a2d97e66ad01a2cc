#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import GRDBSQLite
import Warehouse

/// `billwh query --format`.
package enum QueryFormat: String, Sendable, CaseIterable {
    /// Aligned columns for people (see `TableResultWriter` for the streaming rules).
    case table
    /// RFC 4180, header row, CRLF.
    case csv
    /// Tab-separated, header row, LF; `\t` `\n` `\r` `\\` escaped inside values.
    case tsv
    /// One JSON array of objects, streamed.
    case json
    /// One JSON object per line.
    case jsonl
}

package struct QuerySummary: Sendable, Hashable {
    /// Rows written, over every statement that returned rows.
    package var rows = 0
    /// Statements executed.
    package var statements = 0
    /// Rows inserted, updated or deleted (only with `allowWrite`).
    package var changes = 0
    /// Values the `table` format showed cut short (longer than their column).
    package var cutValues = 0

    package init() {}
}

package enum QueryError: Error, CustomStringConvertible {
    /// A statement that would change the database, without `allowWrite` (exit 1).
    case writeRefused(statement: String)
    /// SQLite refused or failed the SQL; its own message.
    case sql(message: String)
    case noStatement
    /// An explicit BEGIN without COMMIT: rolled back, nothing of it kept.
    case transactionLeftOpen
    case output(OutputError)

    package var description: String {
        switch self {
        case .writeRefused(let statement):
            "refusing to run a statement that changes the database (\(statement.prefix(80).trimmingCharacters(in: .whitespacesAndNewlines))): `billwh query` is read-only; pass --write to allow changes"
        case .sql(let message): "SQL error: \(message)"
        case .noStatement: "no SQL statement given"
        case .transactionLeftOpen: "the SQL opened a transaction without COMMIT: it was rolled back, nothing was changed by it"
        case .output(let error): error.description
        }
    }
}

/// Runs `sql` (one or more statements separated by `;`) on `db` and streams every result to
/// `output` in `format`; a result of a million rows is never held in memory.
///
/// Without `allowWrite` every statement is prepared first and the whole SQL is refused, before
/// anything runs, if one of them is not read-only (`sqlite3_stmt_readonly`). Callers should
/// also open the file read-only (`WarehouseDatabase.openReadOnly`), and use
/// `writeWithoutTransaction` with `allowWrite` (each statement commits on its own, as in
/// `sqlite3`; write `BEGIN; …; COMMIT;` for all-or-nothing).
///
/// Each statement that returns columns writes its own result: a header (csv, tsv, table) or
/// its own array (json) — so several row-returning statements in `json` give several arrays,
/// one after the other; use one statement, or jsonl, for a single parseable document.
package func runQuery(_ sql: String, in db: Database, format: QueryFormat = .table, allowWrite: Bool = false,
                     output: FileHandle = .standardOutput) throws(QueryError) -> QuerySummary {
    let fd = output.fileDescriptor
    if fd == STDOUT_FILENO { fflush(nil) }
    var writer = ByteWriter(fileDescriptor: fd, destinationName: fd == STDOUT_FILENO ? "standard output" : "the query output")
    let connection: OpaquePointer
    do { connection = try db.rawConnection() } catch { throw .sql(message: error.message) }
    let wasInTransaction = sqlite3_get_autocommit(connection) == 0
    let changesBefore = sqlite3_total_changes64(connection)
    var summary = QuerySummary()
    var sqlBytes = Array(sql.utf8)
    sqlBytes.append(0)
    let length = sqlBytes.count - 1

    do {
        try withMemoryMappedReads(connection) { try sqlBytes.withUnsafeBufferPointer { all in
            var offset = 0
            /// The next statement, nil at the end.
            func next() throws -> SteppedStatement? {
                while offset < length {
                    let rest = UnsafeBufferPointer(rebasing: all[offset..<length])
                    let (statement, tail) = try SteppedStatement.prepare(rest, on: connection)
                    offset += max(tail, 1)
                    if let statement { return statement }
                }
                return nil
            }
            if allowWrite {
                while let statement = try next() {
                    try run(statement, format: format, writer: &writer, summary: &summary)
                }
            } else {
                var statements: [SteppedStatement] = []
                while let statement = try next() {
                    guard statement.isReadOnly else { throw QueryError.writeRefused(statement: statement.sql) }
                    statements.append(statement)
                }
                for statement in statements {
                    try run(statement, format: format, writer: &writer, summary: &summary)
                }
            }
        } }
        if summary.statements == 0 { throw QueryError.noStatement }
        try writer.flush()
    } catch {
        _ = try? writer.flush()
        rollBackLeftOver(connection, wasInTransaction: wasInTransaction)
        switch error {
        case let error as QueryError: throw error
        case let error as SQLiteFailure: throw .sql(message: error.message)
        case let error as OutputError: throw .output(error)
        default: throw .sql(message: "\(error)")
        }
    }
    if rollBackLeftOver(connection, wasInTransaction: wasInTransaction) { throw .transactionLeftOpen }
    summary.changes = Int(sqlite3_total_changes64(connection) - changesBefore)
    return summary
}

/// Opens the warehouse at `databasePath` (read-only, or migrated for writing with
/// `allowWrite`) and runs `sql`: what `billwh query` does. After SQL that changed rows,
/// `recordingChanges` puts them on record, on the same connection and in one transaction with
/// the replica's note (`runs`, where the caller records them, is not this module's table).
package func runQuery(_ sql: String, databasePath: String, format: QueryFormat = .table, allowWrite: Bool = false,
                     recordingChanges: ((Database, Int) throws -> Void)? = nil,
                     output: FileHandle = .standardOutput) throws -> QuerySummary {
    if allowWrite {
        let queue = try WarehouseDatabase.openForWriting(path: databasePath)
        return try queue.writeWithoutTransaction { db in
            let summary = try runQuery(sql, in: db, format: format, allowWrite: true, output: output)
            if summary.changes > 0 {
                try db.inTransaction {
                    try ReplicaChangeLog.recordHandWrite(db)
                    try recordingChanges?(db, summary.changes)
                    return .commit
                }
            }
            return summary
        }
    }
    // An analyst's own SQL may well read a file not migrated yet (billwh upgraded, nightly not yet run).
    let queue = try WarehouseDatabase.openReadOnly(path: databasePath, anySchema: true)
    return try queue.read { db in try runQuery(sql, in: db, format: format, allowWrite: false, output: output) }
}

/// A transaction the SQL began and did not end is rolled back (GRDB refuses to hand back a
/// connection inside a transaction it did not open).
@discardableResult
private func rollBackLeftOver(_ connection: OpaquePointer, wasInTransaction: Bool) -> Bool {
    guard !wasInTransaction, sqlite3_get_autocommit(connection) == 0 else { return false }
    sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
    return true
}

private func run(_ statement: SteppedStatement, format: QueryFormat, writer: inout ByteWriter, summary: inout QuerySummary) throws {
    summary.statements += 1
    let count = statement.columnCount
    guard count > 0 else {
        while try statement.step() {}
        return
    }
    let columns = (0..<count).map { statement.columnName($0) }
    var rows = 0
    switch format {
    case .csv:
        let result = DelimitedResultWriter(columns: columns, tabSeparated: false)
        rows = try result.write(statement, to: &writer)
    case .tsv:
        let result = DelimitedResultWriter(columns: columns, tabSeparated: true)
        rows = try result.write(statement, to: &writer)
    case .json, .jsonl:
        let result = JSONResultWriter(columns: columns, lines: format == .jsonl)
        rows = try result.write(statement, to: &writer)
    case .table:
        let result = TableResultWriter(columns: columns)
        rows = try result.write(statement, to: &writer, cut: &summary.cutValues)
    }
    summary.rows += rows
}
