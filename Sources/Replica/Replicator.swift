import Export
import Foundation
import GRDB
import Logging
import PostgresNIO
import Warehouse

/// What one replicate did.
package struct ReplicateReport: Sendable {
    /// Why the whole warehouse was copied (first replicate, another warehouse, …), or nil when
    /// only the changes were.
    package var fullCopyReason: String?
    /// Log rows read (changed documents, rebuilt customers and groups, relinked purchases).
    package var changes: Int64 = 0
    /// Rows written per table (whole copies of the small tables included).
    package var rows: [String: Int] = [:]
    /// The replica schema version found before this run (0: a new schema).
    package var schemaVersionBefore = 0
    /// The warehouse's change log position the replica now reflects.
    package var mark: Int64 = 0
    package var elapsed: Duration = .zero
}

/// `billwh replicate`: makes one PostgreSQL schema equal to the warehouse.
///
/// The first run copies everything with COPY. Later runs read the change log
/// (`ReplicaChangeLog`) from the replica's mark to the snapshot's end and replace exactly what
/// it names: the staging lines and `documents` row of each changed document, the purchases of
/// each rebuilt customer or match group and of each relinked purchase; raw documents are
/// append-only (new ids only); the small tables are copied whole. All of it and the new mark
/// commit in one PostgreSQL transaction, so a run killed at any point (or a server restart)
/// leaves the replica at its previous state, and the next run starts from there.
package struct Replicator: Sendable {
    package var databasePath: String
    package var target: ReplicaTarget
    package var schema: SchemaName
    package var withRaw: Bool
    /// Copy the whole warehouse even when the replica's mark says it is up to date: the way
    /// back from a replica changed by hand, which the change log cannot see.
    package var wholeCopy = false
    package var logger: Logger

    package init(databasePath: String, target: ReplicaTarget, schema: SchemaName = .default, withRaw: Bool = false, logger: Logger) {
        self.databasePath = databasePath
        self.target = target
        self.schema = schema
        self.withRaw = withRaw
        self.logger = logger
    }

    /// How long a replicate waits for another one of the same schema before it gives up (75).
    static let lockWait = Duration.seconds(10)

    /// COPY data goes out in chunks of this many bytes.
    static let chunk = 256 * 1024

    package func run() async throws -> ReplicateReport {
        let clock = ContinuousClock()
        let start = clock.now
        let database = try WarehouseDatabase.openForWriting(path: databasePath)
        let identity = target.identity(schema: schema)
        // Registered before the snapshot is taken: every change after it is logged.
        let newlyRegistered = try await database.write { db in try ReplicaChangeLog.register(db, target: identity) }
        let connection = try await connect()
        var report: ReplicateReport
        do {
            report = try await ConnectionWatch.run(on: connection) { [self] in
                try await replicate(on: connection, newlyRegistered: newlyRegistered)
            }
        } catch {
            try? await connection.close()
            if let error = error as? ReplicaError { throw error }
            if error is PSQLError { throw ReplicaError.postgres(doing: "the replicate", reason: ReplicaError.reason(error)) }
            throw error
        }
        try? await connection.close()
        let mark = report.mark
        try await database.write { db in try ReplicaChangeLog.consumed(db, target: identity, through: mark) }
        report.elapsed = clock.now - start
        return report
    }

    func connect() async throws -> PostgresConnection {
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch target.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: target.host, port: target.port, username: target.user, password: target.password?.reveal(),
                database: target.database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw ReplicaError.connect(target: target.description, reason: ReplicaError.reason(error))
        }
    }

    func replicate(on connection: PostgresConnection, newlyRegistered: Bool) async throws -> ReplicateReport {
        // One replicate per schema at a time; the server drops the lock with the session, so a
        // killed run never leaves it behind. Waiting a little covers the moment the server
        // takes to notice a killed client.
        let lockKey = "billwh replicate \(schema.name)"
        let deadline = ContinuousClock.now + Self.lockWait
        while true {
            var locked = false
            for try await granted in try await connection.query("SELECT pg_try_advisory_lock(hashtextextended(\(lockKey), 0))", logger: logger).decode(Bool.self) {
                locked = granted
            }
            if locked { break }
            guard ContinuousClock.now < deadline else { throw ReplicaError.busy(schema: schema.name) }
            try await Task.sleep(for: .milliseconds(200))
        }

        var report = ReplicateReport()
        // The schema's upgrade, the copy and the new mark commit together: a first replicate
        // that fails leaves no empty tables, and an upgrade is never kept without the whole
        // copy its new columns need.
        try await connection.query("BEGIN", logger: logger)
        do {
            report.schemaVersionBefore = try await ReplicaSchema.upgrade(connection, schema: schema, logger: logger)
            let snapshot = try WarehouseSnapshot(path: databasePath)
            let state = try await ReplicaState.read(connection, schema: schema, logger: logger)
            report.fullCopyReason = state.map {
                fullCopyReason($0, snapshot: snapshot, newlyRegistered: newlyRegistered)
                    ?? ReplicaSchema.wholeCopyReason(upgradedFrom: report.schemaVersionBefore)
            } ?? "first replicate"
            if wholeCopy && report.fullCopyReason == nil { report.fullCopyReason = "asked for (--full)" }
            report.mark = snapshot.lastChange

            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema.quoted)"), logger: logger)
            let copier = TableCopier(connection: connection, snapshot: snapshot, logger: logger)
            if let reason = report.fullCopyReason {
                logger.info("replicate: copying the whole warehouse into \(target)/\(schema) (\(reason))")
                try await connection.query("TRUNCATE staging_lines, documents, purchases, raw_documents", logger: logger)
                for table in [ReplicatedTable.stagingLines, .documents, .purchases] {
                    report.rows[table.name] = try await copier.copy(table, sql: "SELECT \(table.selectList("x")) FROM \(table.name) x")
                }
            } else if let state {
                report.changes = try await ChangeSet.apply(from: state.changeID, through: snapshot.lastChange, copier: copier, report: &report)
            }
            try await replicateRaw(copier, previous: report.fullCopyReason == nil ? state : nil, report: &report)
            // The small tables: whole, every time.
            try await connection.query(PostgresQuery(unsafeSQL: "TRUNCATE " + ReplicatedTable.small.map(\.name).joined(separator: ", ")), logger: logger)
            for table in ReplicatedTable.small {
                report.rows[table.name] = try await copier.copy(table, sql: "SELECT \(table.selectList("x")) FROM \(table.name) x")
            }
            try await ReplicaState(warehouseID: snapshot.warehouseID, changeID: snapshot.lastChange,
                                   rawID: withRaw ? snapshot.lastRawID : 0, withRaw: withRaw).write(connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        return report
    }

    /// Raw documents only ever gain rows with higher ids (a rejected version is deleted in
    /// the transaction that wrote it), so the ids above the last copied one are what is new.
    func replicateRaw(_ copier: TableCopier, previous: ReplicaState?, report: inout ReplicateReport) async throws {
        let table = ReplicatedTable.rawDocuments
        let copiedThrough = previous.flatMap { $0.withRaw ? $0.rawID : nil } ?? 0
        if withRaw {
            if copiedThrough == 0, previous != nil {
                try await copier.connection.query("TRUNCATE raw_documents", logger: logger)
            }
            report.rows[table.name] = try await copier.copy(table, sql: """
                SELECT \(table.selectList("x")) FROM raw_documents x WHERE x.raw_id > \(copiedThrough)
                  AND x.raw_id <= \(copier.snapshot.lastRawID)
                """)
        } else if previous?.withRaw == true {
            // Asked for without --with-raw now: the replica no longer keeps them.
            try await copier.connection.query("TRUNCATE raw_documents", logger: logger)
        }
    }

    func fullCopyReason(_ state: ReplicaState, snapshot: WarehouseSnapshot, newlyRegistered: Bool) -> String? {
        if state.warehouseID != snapshot.warehouseID { return "the schema holds a copy of another warehouse" }
        if newlyRegistered { return "this warehouse was not logging its changes for this replica" }
        if state.changeID > snapshot.lastChange { return "the warehouse is older than the replica (restored from a backup?)" }
        if state.changeID < snapshot.prunedThrough {
            return "the change log does not reach back to the replica's mark (pruned, or the warehouse was written by hand with `billwh query --write`)"
        }
        return nil
    }
}
