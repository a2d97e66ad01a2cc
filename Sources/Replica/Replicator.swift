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

    /// The tables copied whole on every run (the ledger, quarantine, the books, the CRM).
    package static var smallTables: Set<String> { Set(ReplicatedTable.small.map(\.name)) }
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

    /// How long a statement waits for a table another session holds before the run fails.
    static let lockTimeoutSeconds = 60

    /// COPY data goes out in chunks of this many bytes.
    static let chunk = 256 * 1024

    package func run() async throws -> ReplicateReport {
        let clock = ContinuousClock()
        let start = clock.now
        // Only read: a mistyped --db must not become an empty warehouse that empties the replica.
        guard FileManager.default.fileExists(atPath: databasePath) else { throw WarehouseError.missingDatabase(databasePath) }
        let database = try WarehouseDatabase.openForWriting(path: databasePath)
        let identity = target.identity(schema: schema)
        // Registered before the snapshot is taken: every change after it is logged.
        let registration = try await database.write { db in try ReplicaChangeLog.register(db, target: identity) }
        var report: ReplicateReport
        do {
            let connection = try await connect()
            do {
                report = try await ConnectionWatch.run(on: connection) { [self] in
                    try await replicate(on: connection, registration: registration)
                }
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            // A replica that never came to be (a mistyped host, a refused login) must not
            // keep the change log from being pruned for ever.
            if registration.isNew { try? await database.write { db in try ReplicaChangeLog.unregister(db, target: identity) } }
            if let error = error as? ReplicaError { throw error }
            if error is PSQLError { throw ReplicaError.postgres(doing: "the replicate", reason: ReplicaError.reason(error)) }
            throw error
        }
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
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: Self.unverified))
            case .require: tls = .require(try NIOSSLContext(configuration: Self.unverified))
            case .verifyFull: tls = .require(try NIOSSLContext(configuration: Self.verified(ca: target.rootCertificate)))
            }
            var configuration = PostgresConnection.Configuration(
                host: target.host, port: target.port, username: target.user, password: target.password?.reveal(),
                database: target.database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            // Named in pg_stat_activity: a replicate that waits for this one can say who holds the schema.
            configuration.options.additionalStartupParameters = [("application_name", Self.applicationName)]
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw ReplicaError.connect(target: target.description, reason: ReplicaError.reason(error))
        }
    }

    /// libpq's `prefer` and `require`: encrypted, the server's certificate not checked (a
    /// self-signed one, as Debian's PostgreSQL makes, is the common case).
    static var unverified: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// libpq's `verify-full`: the certificate checked against the system's CAs or `sslrootcert`, and the host name.
    static func verified(ca: String?) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca { configuration.trustRoots = .file(ca) }
        return configuration
    }

    static let applicationName = "billwh replicate (pid \(getpid()) on \(ProcessInfo.processInfo.hostName))"

    func replicate(on connection: PostgresConnection, registration: ReplicaChangeLog.Registration) async throws -> ReplicateReport {
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
            guard ContinuousClock.now < deadline else {
                throw ReplicaError.busy(schema: schema.name, holder: try? await lockHolder(connection, key: lockKey))
            }
            try await Task.sleep(for: .milliseconds(200))
        }

        var report = ReplicateReport()
        // The schema's upgrade, the copy and the new mark commit together: a first replicate
        // that fails leaves no empty tables, and an upgrade is never kept without the whole
        // copy its new columns need.
        try await connection.query("BEGIN", logger: logger)
        do {
            // A session that holds a table (a BI tool idle in a transaction, during an upgrade's
            // DDL) makes this run fail in words, not wait for ever with the nightly behind it.
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = '\(Self.lockTimeoutSeconds)s'"), logger: logger)
            report.schemaVersionBefore = try await ReplicaSchema.upgrade(connection, schema: schema, logger: logger)
            let snapshot = try WarehouseSnapshot(path: databasePath)
            let state = try await ReplicaState.read(connection, schema: schema, logger: logger)
            // A copy of this warehouse before it was restored is its own: copied whole, below.
            if let state, state.warehouseID != snapshot.warehouseID, !snapshot.earlierIDs.contains(state.warehouseID), !wholeCopy {
                throw ReplicaError.anotherWarehouse(schema: schema.name, target: target.description, found: state.warehouseID, this: snapshot.warehouseID)
            }
            report.fullCopyReason = state.map {
                fullCopyReason($0, snapshot: snapshot, registration: registration)
                    ?? ReplicaSchema.wholeCopyReason(upgradedFrom: report.schemaVersionBefore)
            } ?? "first replicate"
            if wholeCopy && report.fullCopyReason == nil { report.fullCopyReason = "asked for (--full)" }
            report.mark = snapshot.lastChange

            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema.quoted)"), logger: logger)
            let copier = TableCopier(connection: connection, snapshot: snapshot, logger: logger)
            if let reason = report.fullCopyReason {
                logger.info("replicate: copying the whole warehouse into \(target)/\(schema) (\(reason))")
                // DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe, and readers whose snapshot is
                // older would find the tables empty; it would also wait for every reader.
                for table in ["staging_lines", "documents", "purchases", "raw_documents"] {
                    try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table)"), logger: logger)
                }
                // Asked for: put back views changed by hand (CREATE OR REPLACE waits for their readers).
                if wholeCopy { try await ReplicaSchema.recreateViews(connection, logger: logger) }
                for table in [ReplicatedTable.stagingLines, .documents, .purchases] {
                    report.rows[table.name] = try await copier.copy(table, sql: "SELECT \(table.selectList("x")) FROM \(table.name) x")
                }
            } else if let state {
                report.changes = try await ChangeSet.apply(from: state.changeID, through: snapshot.lastChange, copier: copier, report: &report)
            }
            try await replicateRaw(copier, previous: report.fullCopyReason == nil ? state : nil, report: &report)
            // The small tables: whole, every time.
            for table in ReplicatedTable.small {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table.name)"), logger: logger)
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
                try await copier.connection.query("DELETE FROM raw_documents", logger: logger)
            }
            report.rows[table.name] = try await copier.copy(table, sql: """
                SELECT \(table.selectList("x")) FROM raw_documents x WHERE x.raw_id > \(copiedThrough)
                  AND x.raw_id <= \(copier.snapshot.lastRawID)
                """)
        } else if previous?.withRaw == true {
            // Asked for without --with-raw now: the replica no longer keeps them.
            try await copier.connection.query("DELETE FROM raw_documents", logger: logger)
        }
    }

    func fullCopyReason(_ state: ReplicaState, snapshot: WarehouseSnapshot, registration: ReplicaChangeLog.Registration) -> String? {
        if snapshot.earlierIDs.contains(state.warehouseID) { return "the warehouse was restored from a backup since" }
        if state.warehouseID != snapshot.warehouseID { return "the schema held a copy of another warehouse (--full)" }
        if registration.isNew { return "this warehouse was not logging its changes for this replica" }
        if state.changeID > snapshot.lastChange { return "the warehouse is older than the replica (restored from a backup?)" }
        // The file's own record of this replica is behind the replica: an older copy of the
        // file was put back (a disk snapshot, `cp`), whose log numbers may repeat other changes.
        if state.changeID > registration.consumedThrough {
            return "the warehouse's record of this replica is older than the replica (an older copy of the file put back?)"
        }
        if state.changeID < snapshot.prunedThrough {
            return "the change log does not reach back to the replica's mark (pruned, or the warehouse was written by hand with `billwh query --write`)"
        }
        return nil
    }
}

extension Replicator {
    /// Who holds this schema's advisory lock, as pg_stat_activity names them.
    func lockHolder(_ connection: PostgresConnection, key: String) async throws -> String? {
        let rows = try await connection.query("""
            SELECT a.application_name, a.pid, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(\(key), 0)
            LIMIT 1
            """, logger: logger)
        var holder: String?
        for try await (name, pid, started) in rows.decode((String, Int, String).self) {
            holder = "\(name.isEmpty ? "a session" : name), server process \(pid), connected \(started)"
        }
        return holder
    }
}
