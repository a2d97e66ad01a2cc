import Export
import Logging
import NIOCore
import PostgresNIO

/// Streams the rows of an SQLite query into a replica table with `COPY … FROM STDIN`: rows
/// are encoded while the server parses the previous chunk, one chunk in flight.
struct TableCopier {
    let connection: PostgresConnection
    let snapshot: WarehouseSnapshot
    let logger: Logger

    /// Copies what `sql` (over the snapshot, selecting `table.columns` in order) returns;
    /// returns the number of rows.
    func copy(_ table: ReplicatedTable, sql: String) async throws -> Int {
        let statement = try snapshot.prepare(sql)
        let columns = statement.columnCount
        precondition(Int(columns) == table.columns.count, "\(table.name): the SELECT and the column list differ")
        var rows = 0
        let allocator = ByteBufferAllocator()
        try await connection.copyFrom(table: table.name, columns: table.columns, logger: logger) { writer in
            var buffer = allocator.buffer(capacity: Replicator.chunk + 64 * 1024)
            while try statement.step() {
                CopyRowEncoder.append(statement, columns: columns, to: &buffer)
                rows += 1
                if buffer.readableBytes >= Replicator.chunk {
                    try await writer.write(buffer)
                    buffer = allocator.buffer(capacity: Replicator.chunk + 64 * 1024)
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return rows
    }
}
