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
    static func replica(_ config: ConfigReader, environment: [String: String] = [:]) throws -> (settings: ReplicaSettings?, password: Secret?) {
        let password = try secret(config, ["billwh", "replica", "password"], variable: "BILLWH_REPLICA_PASSWORD", environment: environment)
        guard let url = try secret(config, ["billwh", "replica", "url"], variable: "BILLWH_REPLICA_URL", environment: environment) else { return (nil, password) }
        let withRaw = try flag(config, ["billwh", "replica", "with", "raw"], variable: "BILLWH_REPLICA_WITH_RAW", default: false)
        do {
            let target = try ReplicaTarget(url: url.reveal(), password: password)
            let schema = try SchemaName(config.string(forKey: ["billwh", "replica", "schema"], default: SchemaName.default.name))
            return (ReplicaSettings(target: target, schema: schema, withRaw: withRaw), password)
        } catch {
            throw SettingsError.invalid("BILLWH_REPLICA_URL / BILLWH_REPLICA_SCHEMA: \(error)")
        }
    }
}
