import GRDB
import GRDBSQLite

/// Writes a blob column in pieces through SQLite's incremental blob I/O, which GRDB does not
/// wrap: the row is inserted with `zeroblob(size)` first, then filled without the value ever
/// being whole in memory.
enum BlobWriter {
    static func write(_ db: Database, table: String, column: String, row: Int64,
                      _ fill: ((UnsafeRawBufferPointer, Int) throws -> Void) throws -> Void) throws {
        var blob: OpaquePointer?
        let opened = sqlite3_blob_open(db.sqliteConnection, "main", table, column, row, 1, &blob)
        guard opened == SQLITE_OK, let blob else {
            throw DatabaseError(resultCode: ResultCode(rawValue: opened), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        defer { sqlite3_blob_close(blob) }
        try fill { piece, offset in
            let code = sqlite3_blob_write(blob, piece.baseAddress, Int32(piece.count), Int32(offset))
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }
}
