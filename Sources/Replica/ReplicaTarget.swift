import Foundation
import Ingestion

/// Where a replica lives: a PostgreSQL URL parsed once, at the edge
/// (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full[&sslrootcert=FILE]]`).
///
/// The password prints as `<redacted>`; `BILLWH_REPLICA_PASSWORD_FILE` keeps it out of the URL
/// (and of `ps`) altogether.
package struct ReplicaTarget: Sendable, CustomStringConvertible {
    /// As libpq names them: `prefer` and `require` encrypt without checking the certificate,
    /// `verify-full` checks it (system CAs, or `sslrootcert`) and the host name.
    package enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    package var host: String
    package var port: Int
    package var database: String
    package var user: String
    package var password: Secret?
    package var tls: TLSMode
    /// `sslrootcert`: the CA file `verify-full` checks the server's certificate against.
    package var rootCertificate: String?
    /// The URL held a password that `BILLWH_REPLICA_PASSWORD(_FILE)` overrides.
    package var urlPasswordOverridden = false

    package init(host: String, port: Int = 5432, database: String, user: String, password: Secret?, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
    }

    /// Parses `url`; `password`, when given, wins over one in the URL.
    package init(url text: String, password: Secret? = nil) throws(ReplicaError) {
        let advice = "expected postgres://USER@HOST[:PORT]/DATABASE (password via BILLWH_REPLICA_PASSWORD_FILE)"
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .usage("the replica URL is not a postgres:// URL: \(advice)")
        }
        guard let host = url.host, !host.isEmpty else { throw .usage("the replica URL names no host: \(advice)") }
        guard let user = url.user, !user.isEmpty else { throw .usage("the replica URL names no user: \(advice)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw .usage("the replica URL names no database: \(advice)") }
        // Foundation keeps any number as the port; the connection would take it modulo 65536.
        if let port = url.port, !(1...65535).contains(port) {
            throw .usage("the replica URL's port \(port) is not a TCP port (1 to 65535): \(advice)")
        }
        var tls = TLSMode.prefer
        var rootCertificate: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw .usage("sslmode must be disable, prefer, require or verify-full (as libpq names them)")
                }
                tls = mode
            case "sslrootcert":
                guard let file = item.value, !file.isEmpty else { throw .usage("sslrootcert names the CA certificate file verify-full checks against") }
                rootCertificate = file
            default:
                throw .usage("the replica URL has an unknown parameter \(item.name): only sslmode=disable|prefer|require|verify-full and sslrootcert=FILE are understood")
            }
        }
        if rootCertificate != nil && tls != .verifyFull {
            throw .usage("sslrootcert is only used with sslmode=verify-full: add it, or drop sslrootcert")
        }
        // An IPv6 literal comes in brackets, which are the URL's, not the address's.
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.init(host: bare, port: url.port ?? 5432, database: database, user: user,
                  password: password ?? url.password.map { Secret($0.removingPercentEncoding ?? $0) }, tls: tls)
        self.rootCertificate = rootCertificate
        urlPasswordOverridden = password != nil && url.password != nil
    }

    /// Names the replica without its credentials: logs, errors, and the warehouse's record of
    /// its replicas.
    package var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The warehouse's name for one replica: server, database and schema.
    package func identity(schema: SchemaName) -> String { "\(host):\(port)/\(database)/\(schema)" }
}
