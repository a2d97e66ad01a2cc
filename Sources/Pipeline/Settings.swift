import Configuration
import Foundation
import Ingestion
import JSON
import Replica
import Vendors
import Warehouse

package enum SettingsError: Error, CustomStringConvertible {
    case invalid(String)
    case secretFile(variable: String, path: String, problem: String)

    package var description: String {
        switch self {
        case .invalid(let message): message
        case let .secretFile(variable, path, problem): "\(variable)=\(path): \(problem)"
        }
    }
}

/// Everything the commands read from the environment (the README's Configuration).
package struct Settings: Sendable {
    package var copaco: CopacoConnector.Settings?
    package var twotcloud: TwoTCloudConnector.Settings?
    package var copper: CopperSettings?
    package var lookbackDays: Int = 31
    /// What the caller should print before going on (e.g. an unknown `BILLWH_…` variable).
    package var warnings: [String] = []
    /// The largest single document billwh reads from a response (`BILLWH_MAX_DOCUMENT_MB`):
    /// memory follows it, never the response.
    package var maxDocumentBytes = JSONEnvelopeCursor.defaultMaxElementBytes
    /// Retry budget for vendor calls; tests shorten it.
    package var retryPolicy = RetryPolicy()
    /// The endpoints' lifecycle: the published one with `BILLWH_ENDPOINT_LIFECYCLE` on top.
    package var lifecycle = LifecycleRegistry.published
    /// Whether `nightly` and `ingest` may call an endpoint in Development
    /// (`BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS`): its fields may change any day.
    package var allowDevelopmentEndpoints = false
    /// `BILLWH_REPLICA_URL`; the schema and the raw choice are read without it too (`replicate --to`).
    package var replicaTarget: ReplicaTarget?
    package var replicaPassword: Secret?
    package var replicaSchema: SchemaName = .default
    package var replicaWithRaw = false
    /// The PostgreSQL replica `nightly` updates after a run that committed.
    package var replica: ReplicaSettings? {
        replicaTarget.map { ReplicaSettings(target: $0, schema: replicaSchema, withRaw: replicaWithRaw) }
    }
    /// The backup `nightly` takes after a run that committed (`BILLWH_BACKUP_DIR`).
    package var backup: BackupSettings?
    /// Who may read the files billwh creates (`BILLWH_FILE_GROUP`).
    package var fileAccess = FileAccess.ownerDefault
    /// The Prometheus textfile `nightly` writes (`BILLWH_METRICS_FILE`).
    package var metricsFile: String?
    /// Vendors whose credentials are set only in part, with what is missing: a run that would
    /// call them (nightly, `--vendor` naming them, doctor) refuses; commands that call no
    /// vendor, or another one, go on.
    package var incomplete: [VendorID: String] = [:]

    package init(copaco: CopacoConnector.Settings? = nil, twotcloud: TwoTCloudConnector.Settings? = nil, lookbackDays: Int = 31) {
        self.copaco = copaco
        self.twotcloud = twotcloud
        self.lookbackDays = lookbackDays
    }

    /// The vendors that take part in `nightly`: those whose credentials are set.
    package var configuredVendors: [VendorID] {
        (copaco == nil ? [] : [.copaco]) + (twotcloud == nil ? [] : [.twotcloud]) + (copper == nil ? [] : [.copper])
    }

    /// Vendors `--vendor` accepts (Copper: the CRM's companies).
    package static let knownVendors: [VendorID] = [.copaco, .twotcloud, .copper]

    /// The refusal for a run that would call these vendors (every configured one when nil)
    /// while one of them has only part of its credentials.
    package func checkComplete(_ vendors: [VendorID]?) throws {
        if let problem = (vendors ?? Settings.knownVendors).lazy.compactMap({ incomplete[$0] }).first {
            throw SettingsError.invalid(problem)
        }
    }

    /// Reads the environment, then an optional `.env`-style file (`BILLWH_CONFIG_FILE`) with
    /// the same keys; the environment wins.
    package static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Settings {
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: environment)]
        if let file = environment["BILLWH_CONFIG_FILE"], !file.isEmpty {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
                throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: file, problem: "no file there; fix the path or unset it")
            }
            guard !isFolder.boolValue else {
                throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: file, problem: "it is a folder; name the file")
            }
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: file, problem: "cannot read it: \(openFailure(file))")
            }
            try checkConfigFileIsOnlyOwnersToChange(path: file)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: file, problem: "cannot read it as UTF-8 text")
            }
            try checkConfigFileHoldsNoSharedSecret(text, path: file)
            try checkConfigFileFormat(text, path: file)
            providers.append(try await EnvironmentVariablesProvider(environmentFilePath: .init(file)))
        }
        var settings = try from(ConfigReader(providers: providers), environment: environment)
        settings.warnings = unknownNameWarnings(in: environment) + bothFormsWarnings(in: environment)
        if settings.replicaTarget?.urlPasswordOverridden == true {
            settings.warnings.append("BILLWH_REPLICA_URL holds a password, and BILLWH_REPLICA_PASSWORD(_FILE) is used instead")
        }
        return settings
    }

    /// `environment`: what the process was given, which decides a credential before the
    /// config file does, whichever of its two forms (`NAME`, `NAME_FILE`) either uses.
    static func from(_ config: ConfigReader, environment: [String: String] = [:]) throws -> Settings {
        var settings = Settings()
        if let key = try secret(config, ["billwh", "copaco", "api", "key"], variable: "BILLWH_COPACO_API_KEY", environment: environment) {
            let version = config.string(forKey: ["billwh", "copaco", "api", "version"], default: CopacoConnector.defaultVersion)
            guard CopacoConnector.Settings.isValidVersion(version) else {
                throw SettingsError.invalid("BILLWH_COPACO_API_VERSION must look like v1, v2, … (the path version of Copaco's endpoints), got \(version.prefix(20))")
            }
            let header = config.string(forKey: ["billwh", "copaco", "api", "key", "header"], default: "X-Api-Key")
            try checkHeaderName(header, variable: "BILLWH_COPACO_API_KEY_HEADER")
            settings.copaco = CopacoConnector.Settings(
                baseURL: try baseURL(config, ["billwh", "copaco", "base", "url"], variable: "BILLWH_COPACO_BASE_URL", default: "https://api.copaco.cloud"),
                apiKey: key,
                apiKeyHeader: header,
                apiVersion: version)
        }
        let accountID = config.string(forKey: ["billwh", "twotcloud", "account", "id"]) ?? ""
        try checkNoControlCharacter(accountID, variable: "BILLWH_TWOTCLOUD_ACCOUNT_ID")
        let twotcloudKey = try secret(config, ["billwh", "twotcloud", "api", "key"], variable: "BILLWH_TWOTCLOUD_API_KEY", environment: environment)
        // Read whether or not 2tCloud is configured: a value that does not parse is refused now,
        // not on the day the vendor is added.
        let includeConsolidated = try flag(config, ["billwh", "twotcloud", "include", "consolidated"],
                                           variable: "BILLWH_TWOTCLOUD_INCLUDE_CONSOLIDATED", default: false)
        switch (accountID.isEmpty, twotcloudKey) {
        case (false, let key?):
            let version = config.string(forKey: ["billwh", "twotcloud", "api", "version"], default: "v2")
            guard TwoTCloudConnector.Settings.isValidVersion(version) else {
                throw SettingsError.invalid("BILLWH_TWOTCLOUD_API_VERSION must look like v1, v2, v3 or v4 (one version for every endpoint), got \(version.prefix(20))")
            }
            settings.twotcloud = TwoTCloudConnector.Settings(
                baseURL: try baseURL(config, ["billwh", "twotcloud", "base", "url"], variable: "BILLWH_TWOTCLOUD_BASE_URL", default: "https://api.cloudnet.services"),
                accountID: accountID, apiKey: key, version: version,
                includeConsolidated: includeConsolidated)
        case (true, nil):
            break
        case (true, _?):
            settings.incomplete[.twotcloud] = "BILLWH_TWOTCLOUD_API_KEY is set but BILLWH_TWOTCLOUD_ACCOUNT_ID is not: 2tCloud's Basic credentials are the Account ID and the key"
        case (false, nil):
            settings.incomplete[.twotcloud] = "BILLWH_TWOTCLOUD_ACCOUNT_ID is set but BILLWH_TWOTCLOUD_API_KEY (or BILLWH_TWOTCLOUD_API_KEY_FILE) is not: 2tCloud's Basic credentials are the Account ID and an active Billing API key"
        }
        do { settings.copper = try copper(config, environment: environment) } catch let error as CopperCredentialsIncomplete {
            settings.incomplete[.copper] = error.problem
        }
        if let text = config.string(forKey: ["billwh", "endpoint", "lifecycle"]), !text.isEmpty {
            do { settings.lifecycle = try settings.lifecycle.overridden(by: text) } catch {
                throw SettingsError.invalid(error.description)
            }
        }
        settings.allowDevelopmentEndpoints = try flag(config, ["billwh", "allow", "development", "endpoints"], variable: "BILLWH_ALLOW_DEVELOPMENT_ENDPOINTS", default: false)
        (settings.replicaTarget, settings.replicaPassword, settings.replicaSchema, settings.replicaWithRaw) = try replica(config, environment: environment)
        settings.backup = try backup(config)
        settings.fileAccess = try fileAccess(config)
        settings.metricsFile = config.string(forKey: ["billwh", "metrics", "file"]).flatMap { $0.isEmpty ? nil : $0 }
        settings.lookbackDays = try wholeNumber(config, ["billwh", "lookback", "days"], variable: "BILLWH_LOOKBACK_DAYS",
                                                default: settings.lookbackDays, range: 0...3660, unit: "days")
        settings.maxDocumentBytes = try wholeNumber(config, ["billwh", "max", "document", "mb"], variable: "BILLWH_MAX_DOCUMENT_MB",
                                                    default: settings.maxDocumentBytes >> 20, range: 1...4096, unit: "MiB") << 20
        return settings
    }

    static func copper(_ config: ConfigReader, environment: [String: String] = [:]) throws -> CopperSettings? {
        let token = try secret(config, ["billwh", "copper", "access", "token"], variable: "BILLWH_COPPER_ACCESS_TOKEN", environment: environment)
        let email = config.string(forKey: ["billwh", "copper", "user", "email"]) ?? ""
        try checkNoControlCharacter(email, variable: "BILLWH_COPPER_USER_EMAIL")
        // Read whether or not Copper is configured: a value that does not parse is refused now.
        let publishNote = try flag(config, ["billwh", "copper", "publish", "note"], variable: "BILLWH_COPPER_PUBLISH_NOTE", default: false)
        let noteActivityTypeID = try wholeNumber(config, ["billwh", "copper", "note", "activity", "type", "id"],
                                                 variable: "BILLWH_COPPER_NOTE_ACTIVITY_TYPE_ID", default: 0, range: 0...Int(Int32.max))
        let requestsPerWindow = try wholeNumber(config, ["billwh", "copper", "requests", "per", "minute"], variable: "BILLWH_COPPER_REQUESTS_PER_MINUTE",
                                                default: 160, range: 1...180, unit: "requests a minute", note: " (Copper allows 180 per key)")
        switch (token, email.isEmpty) {
        case (nil, true): return nil
        case (nil, false):
            throw CopperCredentialsIncomplete(problem: "BILLWH_COPPER_USER_EMAIL is set but BILLWH_COPPER_ACCESS_TOKEN (or _FILE) is not: Copper needs the API key and the email of its owner")
        case (_?, true):
            throw CopperCredentialsIncomplete(problem: "BILLWH_COPPER_ACCESS_TOKEN is set but BILLWH_COPPER_USER_EMAIL is not: Copper needs the email of the user who owns the key")
        case (let token?, false):
            var copper = CopperSettings(
                baseURL: try baseURL(config, ["billwh", "copper", "base", "url"], variable: "BILLWH_COPPER_BASE_URL", default: "https://api.copper.com/developer_api/v1"),
                accessToken: token, userEmail: email,
                customerNumberField: config.string(forKey: ["billwh", "copper", "customer", "number", "field"], default: "Customer Number"))
            copper.billedField = config.string(forKey: ["billwh", "copper", "publish", "billed", "field"]).flatMap { $0.isEmpty ? nil : $0 }
            copper.marginField = config.string(forKey: ["billwh", "copper", "publish", "margin", "field"]).flatMap { $0.isEmpty ? nil : $0 }
            copper.publishNote = publishNote
            copper.noteActivityTypeID = noteActivityTypeID
            copper.requestsPerWindow = requestsPerWindow
            return copper
        }
    }

    /// A credential from `NAME`, or from the file named by `NAME_FILE` (owner-only, one
    /// trailing newline dropped).
    static func secret(_ config: ConfigReader, _ key: [String], variable: String, environment: [String: String] = [:]) throws -> Secret? {
        let fileVariable = variable + "_FILE"
        // The environment's `NAME_FILE` outranks the config file's `NAME` (the environment wins).
        let environmentFile = environment[variable, default: ""].isEmpty ? environment[fileVariable].flatMap { $0.isEmpty ? nil : $0 } : nil
        if environmentFile == nil, let value = config.string(forKey: ConfigKey(key), isSecret: true), !value.isEmpty {
            try checkHeaderSafe(value, variable: variable, file: nil)
            return Secret(value)
        }
        guard let path = environmentFile ?? config.string(forKey: ConfigKey(key + ["file"])), !path.isEmpty else { return nil }
        let secret = try readSecretFile(path: path, variable: fileVariable)
        try checkHeaderSafe(secret.reveal(), variable: fileVariable, file: path)
        return secret
    }

    /// The variables that hold a credential themselves (not the `_FILE` forms, which name one).
    static let secretVariables = ["BILLWH_COPACO_API_KEY", "BILLWH_TWOTCLOUD_API_KEY", "BILLWH_COPPER_ACCESS_TOKEN",
                                  "BILLWH_REPLICA_PASSWORD"]

    /// Why `path` cannot be opened for reading (`Permission denied`, …).
    static func openFailure(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { close(fd); return "it could not be read" }
        return String(cString: strerror(errno))
    }

    /// A config file names the vendors' addresses and the key files: one another user may
    /// change can send the keys anywhere. Only its owner (this user, or root) may write it.
    static func checkConfigFileIsOnlyOwnersToChange(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if info.st_mode & 0o022 != 0 {
            throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: path,
                                           problem: "others than its owner may change it, and it says where the keys are sent; run `chmod go-w \(path)`")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: path,
                                           problem: "it belongs to another user (uid \(info.st_uid)), who may change where the keys are sent; give it to this user or root (`chown`)")
        }
    }

    /// A config file that others may read must not hold a credential: a key others can read is
    /// a key others have, as for a `_FILE` (readSecretFile).
    static func checkConfigFileHoldsNoSharedSecret(_ text: String, path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return }
        for line in text.split(whereSeparator: \.isNewline) {
            let entry = line.trimmingCharacters(in: .whitespaces)
            let name = entry.hasPrefix("export ") ? String(entry.dropFirst(7)).trimmingCharacters(in: .whitespaces) : entry
            // A replica URL is a credential only when it carries a password (user:password@).
            let urlWithPassword = name.hasPrefix("BILLWH_REPLICA_URL=") && name.contains(/:\/\/[^\/@:]*:[^\/@]*@/)
            guard let variable = urlWithPassword ? "BILLWH_REPLICA_URL"
                    : secretVariables.first(where: { name.hasPrefix($0 + "=") }) else { continue }
            throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: path,
                                           problem: "it holds \(variable) and is readable by others; run `chmod 600 \(path)`, or give the key as \(variable)_FILE")
        }
    }

    /// A vendor's base URL: an http(s) address with a host, and no query, fragment or user in
    /// it, since billwh appends paths and its own query (a `?` in the base would swallow them,
    /// and the vendor would answer another window than the one recorded).
    static func baseURL(_ config: ConfigReader, _ key: ConfigKey, variable: String, default fallback: String) throws -> String {
        let text = config.string(forKey: key, default: fallback)
        let problem: String? = {
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else { return "it is not an https:// (or http://) address" }
            guard scheme == "http" || scheme == "https" else { return "it must start with https:// (or http://), not \(scheme):" }
            guard let host = url.host, !host.isEmpty else { return "it has no host" }
            if let port = url.port, !(1...65535).contains(port) { return "its port \(port) is not a TCP port (1 to 65535)" }
            guard url.query == nil, url.fragment == nil else { return "it must not carry a query (?…) or a fragment (#…): billwh adds its own" }
            guard url.user == nil, url.password == nil else { return "it must not carry a user or password: credentials go in their own variables" }
            return nil
        }()
        if let problem {
            // A URL with a password is not printed.
            let shown = text.contains("@") ? "" : "; got \(text.prefix(80).debugDescription)"
            throw SettingsError.invalid("\(variable): \(problem)\(shown)")
        }
        return text
    }

    /// A header name is a token (RFC 9110), and not one that frames the request itself.
    static func checkHeaderName(_ name: String, variable: String) throws {
        let token = !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
        }
        guard token else {
            throw SettingsError.invalid("\(variable) must be an HTTP header name (letters, digits and - only, e.g. X-Api-Key), got \(name.prefix(40).debugDescription)")
        }
        let reserved = ["host", "content-length", "transfer-encoding", "connection"]
        guard !reserved.contains(name.lowercased()) else {
            throw SettingsError.invalid("\(variable) names \(name), a header that frames the HTTP request itself; the API key needs its own (e.g. X-Api-Key)")
        }
    }

    /// The config file is read as plain `KEY=value` lines (blank lines and `#` comments aside),
    /// and the value is taken literally. Forms that other `.env` readers treat otherwise —
    /// `export KEY=…`, quotes around a value, a comment after it — would silently give a key
    /// with quotes in it or no setting at all, so they are refused, naming the line.
    static func checkConfigFileFormat(_ text: String, path: String) throws {
        // Each value would keep its line's \r.
        if text.contains("\r") {
            throw SettingsError.secretFile(variable: "BILLWH_CONFIG_FILE", path: path,
                                           problem: "it has Windows line ends (CRLF); convert it with `dos2unix \(path)` or `sed -i 's/\\r$//' \(path)`")
        }
        var firstLine: [String: Int] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let entry = line.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            func refuse(_ problem: String) -> SettingsError {
                .secretFile(variable: "BILLWH_CONFIG_FILE", path: path, problem: "line \(number + 1): \(problem)")
            }
            guard let equals = entry.firstIndex(of: "=") else { throw refuse("not KEY=value") }
            let name = entry[..<equals].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("export ") { throw refuse("`export` is not part of the format: write \(name.dropFirst(7).trimmingCharacters(in: .whitespaces))=value") }
            guard let first = name.unicodeScalars.first, CharacterSet.letters.contains(first) || first == "_",
                  name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
                throw refuse("not KEY=value (a name is letters, digits and _)")
            }
            if environmentOnlyNames.contains(name.uppercased()) {
                throw refuse("\(name) is read from the environment only, before this file is opened: set it there\(name.uppercased() == "BILLWH_DB" ? " or give --db" : "")")
            }
            // Other programs' names may share the file; a billwh name that billwh does not read is a typo.
            if name.uppercased().hasPrefix("BILLWH_"), !settingNames.contains(name) {
                throw refuse("\(name) is not a billwh setting\(suggestion(for: name)); fix the name or remove the line")
            }
            // Which of two values counts would be the reader's guess: the one meant may be the other.
            if name.hasPrefix("BILLWH_") {
                if let first = firstLine[name] { throw refuse("\(name) is set again (first on line \(first)): keep one of the two lines") }
                firstLine[name] = number + 1
            }
            let value = entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                throw refuse("\(name)'s value is in quotes, which would be kept as part of it: remove them (the value is taken as written)")
            }
            if value.contains(" #") || value.contains("\t#") {
                throw refuse("\(name)'s value holds \" #\": a comment after a value would be read as part of it; put it on its own line")
            }
        }
    }

    /// A credential goes into a request header, which cannot carry a line break or another
    /// control character. Refused here, naming where it came from: sent, the HTTP client's
    /// error would quote the header, key and all, into the log and the run's record.
    static func checkHeaderSafe(_ value: String, variable: String, file: String?) throws {
        if value.allSatisfy({ $0 == " " || $0 == "\t" }) {
            throw SettingsError.invalid("\(file.map { "\(variable) (\($0))" } ?? variable) holds only spaces: set the key itself, or unset it")
        }
        // A tab may stand in a header, but not in a vendor's key: one there is a paste's leftover.
        guard controlCharacter(in: value) != nil else { return }
        let source = file.map { "\(variable) (\($0))" } ?? variable
        throw SettingsError.invalid("\(source) holds a tab, a line break or another control character, which a key never holds"
            + (file == nil ? "" : "; only one trailing newline is dropped from the file (look at it with `od -c`)"))
    }

    /// A value that goes into a request beside the key (an account id, an email): a carriage
    /// return from an env file written on Windows would fail every request, retried for
    /// minutes, or read as refused credentials.
    static func checkNoControlCharacter(_ value: String, variable: String) throws {
        guard let scalar = controlCharacter(in: value) else { return }
        let what = scalar == "\r" ? "a carriage return (an env file with Windows line ends?)" : "a tab, a line break or another control character"
        throw SettingsError.invalid("\(variable) holds \(what): remove it")
    }

    /// The first control character (C0 or DEL) in `value`.
    static func controlCharacter(in value: String) -> Unicode.Scalar? {
        value.unicodeScalars.first { $0.value < 0x20 || $0.value == 0x7F }
    }

    package static func readSecretFile(path: String, variable: String) throws -> Secret {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "cannot read it: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "it is a folder; name the file that holds the key")
        }
        // A key others can read is a key others have (and one others may write, a key they
        // choose): refuse it rather than use it.
        guard info.st_mode & 0o077 == 0 else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "others than its owner may read or write the file; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "cannot read it: \(Self.openFailure(path))")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw SettingsError.secretFile(variable: variable, path: path, problem: "cannot read it as UTF-8 text")
        }
        // One line ending, LF or CRLF, by scalars: "\r\n" is a single Character in Swift.
        var scalars = text.unicodeScalars
        if scalars.last == "\n" {
            scalars.removeLast()
            if scalars.last == "\r" { scalars.removeLast() }
        }
        text = String(scalars)
        guard !text.isEmpty else { throw SettingsError.secretFile(variable: variable, path: path, problem: "the file is empty") }
        return Secret(text)
    }
}

struct CopperCredentialsIncomplete: Error {
    var problem: String
}
