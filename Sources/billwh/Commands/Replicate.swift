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
            one converges. Readers of the replica keep reading meanwhile, and see the last run or this one. \
            The password comes from BILLWH_REPLICA_PASSWORD_FILE (chmod 600), BILLWH_REPLICA_PASSWORD \
            or the URL. Another replicate writing the same schema is waited for up to 10 s, then exit 75. A schema that holds another \
            warehouse's copy is left as it is (exit 1) unless --full. A replica changed by hand is not \
            seen by the incremental run (it follows the warehouse's change log): --full copies everything again and \
            re-creates the views.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("to"), help: ArgumentHelp(
        "postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-full[&sslrootcert=FILE]] (default: $BILLWH_REPLICA_URL). prefer and require encrypt without checking the certificate, as libpq does.", valueName: "url"))
    var to: String?
    @Option(help: ArgumentHelp(
        "The schema that holds this warehouse: lower-case letters, digits and _ (default: $BILLWH_REPLICA_SCHEMA, else billwh).",
        valueName: "name"))
    var schema: SchemaName?
    @Flag(help: "Also copy raw_documents, the vendors' documents as sent (BYTEA); also on with BILLWH_REPLICA_WITH_RAW=true. A run without it empties the replica's raw_documents.") var withRaw = false
    @Flag(help: "Copy the whole warehouse again, even when the replica is up to date (after it was changed by hand), or into a schema that holds another warehouse's copy.")
    var full = false
    @Flag(help: "Forget this replica (a schema dropped, a server retired): the warehouse stops logging changes for it, so its change log is pruned again. Nothing is sent to the server.")
    var forget = false

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
            if target.urlPasswordOverridden {
                Console.note("billwh: warning: the replica URL holds a password, and BILLWH_REPLICA_PASSWORD(_FILE) is used instead")
            }
            let replica = ReplicaSettings(target: target, schema: schema ?? settings.replicaSchema, withRaw: withRaw || settings.replicaWithRaw)
            let runner = PipelineRunner(databasePath: database.path, settings: settings, logger: logger)
            if forget {
                let known = try runner.forgetReplica(replica)
                Console.note(known ? "replicate: \(replica.target)/\(replica.schema) forgotten; the change log no longer waits for it"
                                   : "replicate: \(replica.target)/\(replica.schema) was not a registered replica of this warehouse")
                return .success
            }
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
