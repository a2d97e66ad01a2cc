import Foundation
import GRDB
import Ingestion
import Replica
import Warehouse

extension PipelineRunner {
    /// `billwh replicate`. It reads one snapshot of the warehouse and needs no run lock: it
    /// may run beside `nightly`; two replicates of one schema exclude each other (exit 75).
    package func replicate(_ replica: ReplicaSettings, wholeCopy: Bool = false) async throws -> ReplicateReport {
        var replicator = Replicator(databasePath: databasePath, target: replica.target, schema: replica.schema,
                                    withRaw: replica.withRaw, logger: logger)
        replicator.wholeCopy = wholeCopy
        return try await replicator.run()
    }

    /// `billwh replicate --forget`: the warehouse stops logging changes for a replica that is
    /// gone (a schema dropped, a server retired), which would otherwise keep the change log
    /// from being pruned for ever. Nothing is sent to the server. True when it was registered.
    package func forgetReplica(_ replica: ReplicaSettings) throws -> Bool {
        let identity = replica.target.identity(schema: replica.schema)
        guard FileManager.default.fileExists(atPath: databasePath) else { throw WarehouseError.missingDatabase(databasePath) }
        return try WarehouseDatabase.openForWriting(path: databasePath, access: settings.fileAccess).write { db in
            try ReplicaChangeLog.unregister(db, target: identity)
            return db.changesCount > 0
        }
    }

    /// The nightly hook: after a run that committed (all good or partial) and when a replica
    /// is configured, brings it up to date. A replica that fails makes the run partial: the
    /// warehouse itself is complete, and the next run catches the replica up.
    func replicateAfterNightly(_ outcome: RunOutcome, command: String) async -> RunOutcome {
        guard let replica = settings.replica, outcome != .failed else { return outcome }
        do {
            let report = try await replicate(replica)
            logger.info("\(command): replica \(replica.target)/\(replica.schema) up to date (\(ReplicateSummary.line(report)))")
            return outcome
        } catch {
            logger.error("\(command): the replica \(replica.target)/\(replica.schema) was not updated: \(error)")
            return .partial
        }
    }
}

/// One line about a replicate, for logs and the CLI.
package enum ReplicateSummary {
    package static func line(_ report: ReplicateReport) -> String {
        // The small tables are copied whole every time: counted apart, they do not read as changes.
        let small = ReplicateReport.smallTables
        let rows = report.rows.filter { $0.value > 0 && !small.contains($0.key) }.sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let smallRows = report.rows.filter { small.contains($0.key) }.map(\.value).reduce(0, +)
        let kind = report.fullCopyReason.map { "whole copy: \($0)" } ?? "\(report.changes) changes"
        return "\(kind); rows written: \(rows.isEmpty ? "none" : rows); small tables copied whole (\(smallRows) rows); \(report.elapsed.secondsText)"
    }
}
