import ArgumentParser
import Foundation
import Pipeline
import Replica

struct Replicate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a PostgreSQL schema equal to the warehouse, incrementally.",
        discussion: """
            The first run copies everything (COPY); later runs copy what changed since the last one, deletions \
            included, in one PostgreSQL transaction with the replica's mark: a killed run changes nothing, the next \
            one converges. The password comes from BILLWH_REPLICA_PASSWORD_FILE (chmod 600), BILLWH_REPLICA_PASSWORD \
            or the URL. Exit 75 when another replicate is writing the same schema. A replica changed by hand is not \
            seen by the incremental run (it follows the warehouse's change log): --full copies everything again.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("to"), help: ArgumentHelp(
        "postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] (default: $BILLWH_REPLICA_URL).", valueName: "url"))
    var to: String?
    @Option(help: ArgumentHelp(
        "The schema that holds this warehouse: lower-case letters, digits and _ (default: $BILLWH_REPLICA_SCHEMA, else billwh).",
        valueName: "name"))
    var schema: SchemaName?
    @Flag(help: "Also copy raw_documents, the vendors' documents as sent (BYTEA).") var withRaw = false
    @Flag(help: "Copy the whole warehouse again, even when the replica is up to date (after it was changed by hand).")
    var full = false

    func run() async throws {
        Console.outliveClosedOutput()
        let logger = Logs.bootstrap()
        try await runReportingErrors(database) {
            let settings = try await Settings.loadPrintingWarnings()
            let target: ReplicaTarget
            if let to {
                do { target = try ReplicaTarget(url: to, password: settings.replicaPassword) } catch {
                    throw ValidationError("--to: \(error)")
                }
            } else if let configured = settings.replicaTarget {
                target = configured
            } else {
                throw ValidationError("--to URL is needed (or BILLWH_REPLICA_URL): e.g. billwh replicate --to postgres://billwh@db.example.com/warehouse")
            }
            let replica = ReplicaSettings(target: target, schema: schema ?? settings.replicaSchema, withRaw: withRaw || settings.replicaWithRaw)
            let runner = PipelineRunner(databasePath: database.path, settings: settings, logger: logger)
            do {
                let report = try await runner.replicate(replica, wholeCopy: full)
                Console.note("replicate \(replica.target)/\(replica.schema): \(ReplicateSummary.line(report))")
                return .success
            } catch let error as ReplicaError {
                Console.error("\(error)")
                if case .busy = error { throw ExitCode(75) }
                if case .usage = error { throw ExitCode(64) }
                throw ExitCode(1)
            }
        }
    }
}
