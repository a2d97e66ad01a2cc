import Configuration
import Ingestion
import Replica

/// Where `nightly` replicates to: `BILLWH_REPLICA_URL` (or `_FILE`), the password from
/// `BILLWH_REPLICA_PASSWORD_FILE` (or `BILLWH_REPLICA_PASSWORD`, or the URL),
/// `BILLWH_REPLICA_SCHEMA` (default `billwh`), `BILLWH_REPLICA_WITH_RAW`.
package struct ReplicaSettings: Sendable {
    package var target: ReplicaTarget
    package var schema: SchemaName
    package var withRaw: Bool

    package init(target: ReplicaTarget, schema: SchemaName = .default, withRaw: Bool = false) {
        self.target = target
        self.schema = schema
        self.withRaw = withRaw
    }
}

extension Settings {
    /// The schema and raw choice are read whether or not the URL is set: `replicate --to URL`
    /// takes them too, and writing to the default schema instead would overwrite another
    /// warehouse's replica on a shared server.
    static func replica(_ config: ConfigReader, environment: [String: String] = [:])
        throws -> (target: ReplicaTarget?, password: Secret?, schema: SchemaName, withRaw: Bool) {
        let password = try secret(config, ["billwh", "replica", "password"], variable: "BILLWH_REPLICA_PASSWORD", environment: environment)
        let withRaw = try flag(config, ["billwh", "replica", "with", "raw"], variable: "BILLWH_REPLICA_WITH_RAW", default: false)
        let schema: SchemaName
        do { schema = try SchemaName(config.string(forKey: ["billwh", "replica", "schema"], default: SchemaName.default.name)) } catch {
            throw SettingsError.invalid("BILLWH_REPLICA_SCHEMA: \(error)")
        }
        guard let url = try secret(config, ["billwh", "replica", "url"], variable: "BILLWH_REPLICA_URL", environment: environment) else {
            return (nil, password, schema, withRaw)
        }
        do {
            return (try ReplicaTarget(url: url.reveal(), password: password), password, schema, withRaw)
        } catch {
            throw SettingsError.invalid("BILLWH_REPLICA_URL: \(error)")
        }
    }
}
