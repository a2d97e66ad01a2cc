import PostgresNIO

/// What can stop a replicate, each with what to do about it.
package enum ReplicaError: Error, CustomStringConvertible {
    case usage(String)
    /// Another replicate holds this schema's lock (exit 75).
    case busy(schema: String)
    case connect(target: String, reason: String)
    case postgres(doing: String, reason: String)
    case newerReplica(schema: String, version: Int, known: Int)

    package var description: String {
        switch self {
        case .usage(let message): message
        case .busy(let schema):
            "another billwh replicate has been writing schema \(schema) of this server for more than 10 s; it exits on its own — try again later"
        case let .connect(target, reason):
            "cannot connect to the replica \(target): \(reason) (check the host, port, user, BILLWH_REPLICA_PASSWORD_FILE and pg_hba.conf)"
        case let .postgres(doing, reason):
            "PostgreSQL refused \(doing): \(reason); nothing of this run was committed, the next replicate starts again from the last good one"
        case let .newerReplica(schema, version, known):
            "schema \(schema) was made by a newer billwh (replica schema version \(version), this billwh knows up to \(known)): use that version"
        }
    }

    /// PostgreSQL's own message (and SQLSTATE) where the error carries one.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                let detail = error.serverInfo?[.detail].map { ": \($0)" } ?? ""
                return message + detail + state
            }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
