import PostgresNIO

/// What can stop a replicate, each with what to do about it.
package enum ReplicaError: Error, CustomStringConvertible {
    case usage(String)
    /// Another replicate holds this schema's lock (exit 75); `holder` as the server names it.
    case busy(schema: String, holder: String?)
    /// The schema holds another warehouse's copy: a mistyped --schema or --db, unless --full.
    case anotherWarehouse(schema: String, target: String, found: String, this: String)
    case connect(target: String, reason: String)
    case postgres(doing: String, reason: String)
    case newerReplica(schema: String, version: Int, known: Int)

    package var description: String {
        switch self {
        case .usage(let message): message
        case let .busy(schema, holder):
            "another billwh replicate has been writing schema \(schema) of this server for more than 10 s"
                + (holder.map { " (\($0))" } ?? "")
                + "; it ends within minutes (a wait for a table fails after \(Replicator.lockTimeoutSeconds) s) — try again later"
        case let .anotherWarehouse(schema, target, found, this):
            "schema \(schema) of \(target) holds the copy of another warehouse (id \(found.prefix(8))…; this one is \(this.prefix(8))…), "
                + "and was left as it is: a mistyped --schema or --db? Give this warehouse's schema; or, to replace that copy with this "
                + "warehouse (its readers then see this one), run `billwh replicate --full` once"
        case let .connect(target, reason) where reason.contains("authMechanismRequiresPassword"):
            "cannot connect to the replica \(target): the server asks for a password and none was given: set BILLWH_REPLICA_PASSWORD_FILE (a file only its owner reads)"
        case let .connect(target, reason) where reason.contains("CERTIFICATE_VERIFY_FAILED"):
            "cannot connect to the replica \(target): the server's TLS certificate is not trusted (sslmode=verify-full): give the CA that signed it "
                + "with sslrootcert=FILE, or use sslmode=require (encrypted, the certificate not checked, as libpq does)"
        case let .connect(target, reason):
            "cannot connect to the replica \(target): \(reason) (check the host, port, user, BILLWH_REPLICA_PASSWORD_FILE and pg_hba.conf)"
        case let .postgres(doing, reason):
            "PostgreSQL refused \(doing): \(reason); nothing of this run was committed, the next replicate starts again from the last good one"
        case let .newerReplica(schema, version, known):
            "schema \(schema) was made by a newer billwh (replica schema version \(version), this billwh knows up to \(known)): use that version"
        }
    }

    /// What to do about the SQLSTATEs a replicate meets in practice.
    static func advice(_ sqlState: String) -> String? {
        switch sqlState {
        case "55P03":
            " — another session holds a table of the schema (a BI tool idle in a transaction? see pg_stat_activity); the next replicate tries again"
        case "42501":
            " — the replicate's user needs CREATE on the database to make the schema, or to own an existing schema (`CREATE SCHEMA name AUTHORIZATION user` as an administrator)"
        case "42P07":
            " — the schema holds tables billwh did not make: give billwh a schema of its own"
        default: nil
        }
    }

    /// PostgreSQL's own message (and SQLSTATE) where the error carries one.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState]
                let state = code.map { " (SQLSTATE \($0))" } ?? ""
                let detail = error.serverInfo?[.detail].map { ": \($0)" } ?? ""
                return message + detail + state + (code.flatMap(advice) ?? "")
            }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
