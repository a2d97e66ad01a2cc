import Configuration
import Foundation
import Ingestion
import Vendors
import Warehouse

public enum SettingsError: Error, CustomStringConvertible {
    case invalid(String)
    case secretFile(variable: String, path: String, problem: String)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case let .secretFile(variable, path, problem): "\(variable)=\(path): \(problem)"
        }
    }
}

/// Everything the commands read from the environment (INTERFACE.md, "Configuration").
public struct Settings: Sendable {
    public var copaco: CopacoConnector.Settings?
    public var twotcloud: TwoTCloudConnector.Settings?
    public var lookbackDays: Int = 31
    /// Retry budget for vendor calls; tests shorten it.
    public var retryPolicy = RetryPolicy()

    public init(copaco: CopacoConnector.Settings? = nil, twotcloud: TwoTCloudConnector.Settings? = nil, lookbackDays: Int = 31) {
        self.copaco = copaco
        self.twotcloud = twotcloud
        self.lookbackDays = lookbackDays
    }

    /// The vendors that take part in `nightly`: those whose credentials are set.
    public var configuredVendors: [VendorID] {
        (copaco == nil ? [] : [.copaco]) + (twotcloud == nil ? [] : [.twotcloud])
    }

    /// Vendors `--vendor` accepts.
    public static let knownVendors: [VendorID] = [.copaco, .twotcloud]

    /// Reads the environment, then an optional `.env`-style file (`BILLWH_CONFIG_FILE`) with
    /// the same keys; the environment wins.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Settings {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: environment)]
        if let file = environment["BILLWH_CONFIG_FILE"], !file.isEmpty {
            providers.append(try await EnvironmentVariablesProvider(environmentFilePath: .init(file)))
        }
        return try from(ConfigReader(providers: providers))
    }

    static func from(_ config: ConfigReader) throws -> Settings {
        var settings = Settings()
        if let key = try secret(config, ["billwh", "copaco", "api", "key"], variable: "BILLWH_COPACO_API_KEY") {
            settings.copaco = CopacoConnector.Settings(
                baseURL: config.string(forKey: ["billwh", "copaco", "base", "url"], default: "https://api.copaco.cloud"),
                apiKey: key,
                apiKeyHeader: config.string(forKey: ["billwh", "copaco", "api", "key", "header"], default: "X-Api-Key"))
        }
        let accountID = config.string(forKey: ["billwh", "twotcloud", "account", "id"]) ?? ""
        let twotcloudKey = try secret(config, ["billwh", "twotcloud", "api", "key"], variable: "BILLWH_TWOTCLOUD_API_KEY")
        switch (accountID.isEmpty, twotcloudKey) {
        case (false, let key?):
            let version = config.string(forKey: ["billwh", "twotcloud", "api", "version"], default: "v2")
            guard TwoTCloudConnector.Settings.isValidVersion(version) else {
                throw SettingsError.invalid("BILLWH_TWOTCLOUD_API_VERSION must look like v1, v2, v3 or v4 (one version for every endpoint), got \(version.prefix(20))")
            }
            settings.twotcloud = TwoTCloudConnector.Settings(
                baseURL: config.string(forKey: ["billwh", "twotcloud", "base", "url"], default: "https://api.cloudnet.services"),
                accountID: accountID, apiKey: key, version: version,
                includeConsolidated: config.bool(forKey: ["billwh", "twotcloud", "include", "consolidated"], default: false))
        case (true, nil):
            break
        case (true, _?):
            throw SettingsError.invalid("BILLWH_TWOTCLOUD_API_KEY is set but BILLWH_TWOTCLOUD_ACCOUNT_ID is not: 2tCloud's Basic credentials are the Account ID and the key")
        case (false, nil):
            throw SettingsError.invalid("BILLWH_TWOTCLOUD_ACCOUNT_ID is set but BILLWH_TWOTCLOUD_API_KEY (or BILLWH_TWOTCLOUD_API_KEY_FILE) is not: 2tCloud's Basic credentials are the Account ID and an active Billing API key")
        }
        if let text = config.string(forKey: ["billwh", "lookback", "days"]) {
            guard let days = Int(text), (0...3660).contains(days) else {
                throw SettingsError.invalid("BILLWH_LOOKBACK_DAYS must be a whole number of days from 0 to 3660, got \(text.prefix(20))")
            }
            settings.lookbackDays = days
        }
        return settings
    }

    /// A credential from `NAME`, or from the file named by `NAME_FILE` (owner-only, one
    /// trailing newline dropped).
    static func secret(_ config: ConfigReader, _ key: [String], variable: String) throws -> Secret? {
        if let value = config.string(forKey: ConfigKey(key), isSecret: true), !value.isEmpty {
            return Secret(value)
        }
        guard let path = config.string(forKey: ConfigKey(key + ["file"])), !path.isEmpty else { return nil }
        return try readSecretFile(path: path, variable: variable + "_FILE")
    }

    public static func readSecretFile(path: String, variable: String) throws -> Secret {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "cannot read it: \(String(cString: strerror(errno)))")
        }
        // A key others can read is a key others have: refuse it rather than use it.
        guard info.st_mode & 0o077 == 0 else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "the file is readable by others; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "cannot read it as UTF-8 text")
        }
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw SettingsError.secretFile(variable: variable, path: path, problem: "the file is empty") }
        return Secret(text)
    }
}
